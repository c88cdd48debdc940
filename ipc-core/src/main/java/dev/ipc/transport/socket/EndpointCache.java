package dev.ipc.transport.socket;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.ipc.internal.cbor.CborException;
import dev.ipc.internal.cbor.CborReader;
import dev.ipc.internal.cbor.CborWriter;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * The endpoint caches of the frame codec: the CBOR of each endpoint and source this side
 * encodes, and the endpoint or source each CBOR item decodes to (the same few recur in
 * every frame). Both are bounded in bytes ({@link #MAX_BYTES} each, estimated) and in
 * entries; a departed peer's entries are dropped with {@link #forget}.
 */
final class EndpointCache {

	/** The most bytes (estimated) each cache holds before it is emptied. */
	static final long MAX_BYTES = 1024 * 1024;

	private static final int MAX_ENTRIES = 4096;

	/** The longest CBOR item whose decoding is cached. */
	private static final int MAX_KEY = 512;

	private static final BoundedCache<Object, byte[]> ENCODED = new BoundedCache<>();

	private static final BoundedCache<ByteKey, Endpoint> ENDPOINTS = new BoundedCache<>();

	private static final BoundedCache<ByteKey, Source> SOURCES = new BoundedCache<>();

	private EndpointCache() {
	}

	/** The CBOR of an endpoint (cached; endpoints are immutable values). */
	static byte[] endpointBytes(Endpoint endpoint) {
		return encoded(endpoint);
	}

	/** The CBOR of a source (cached). */
	static byte[] sourceBytes(Source source) {
		return encoded(source);
	}

	private static byte[] encoded(Object value) {
		byte[] bytes = ENCODED.get(value);
		if (bytes == null) {
			bytes = encode(value);
			// the key holds the same text again (as chars), plus object overhead
			ENCODED.put(value, bytes, 3L * bytes.length + 96);
		}
		return bytes;
	}

	private static byte[] encode(Object value) {
		CborWriter w = new CborWriter(64);
		if (value instanceof Endpoint endpoint) {
			EndpointCbor.write(endpoint, w);
		}
		else {
			EndpointCbor.write((Source) value, w);
		}
		return w.toByteArray();
	}

	/** Reads an endpoint, from the cache when its bytes were seen before. */
	static Endpoint readEndpoint(CborReader in) throws CborException, FrameCodecException {
		return read(in, ENDPOINTS, EndpointCbor::readEndpoint);
	}

	/** Reads a source, from the cache when its bytes were seen before. */
	static Source readSource(CborReader in) throws CborException, FrameCodecException {
		return read(in, SOURCES, EndpointCbor::readSource);
	}

	private interface Decoding<T> {

		T read(CborReader in) throws CborException, FrameCodecException;

	}

	/**
	 * The item at the reader's position, looked up by its exact bytes (CBOR items are
	 * self-delimiting, so equal bytes are the same item) and decoded on a miss.
	 */
	private static <T> T read(CborReader in, BoundedCache<ByteKey, T> cache, Decoding<T> decoding)
			throws CborException, FrameCodecException {
		int start = in.position();
		in.skip();
		int end = in.position();
		ByteKey key = (end - start <= MAX_KEY) ? new ByteKey(in.input(), start, end) : null;
		T hit = (key != null) ? cache.get(key) : null;
		if (hit != null) {
			return hit;
		}
		in.position(start);
		T value = decoding.read(in);
		if (key != null) {
			// the key bytes, the decoded strings (as chars) and object overhead
			cache.put(key.copy(), value, 3L * (end - start) + 128);
		}
		return value;
	}

	/**
	 * Drops the cached encodings and decodings of a departed peer's endpoint and source.
	 * Frames that spelled the endpoint differently from this encoder (other field order,
	 * indefinite lengths) leave decode entries behind; the byte bound covers those.
	 */
	static void forget(Endpoint endpoint, Source source) {
		byte[] e = ENCODED.remove(endpoint);
		byte[] s = ENCODED.remove(source);
		ENDPOINTS.remove(new ByteKey((e != null) ? e : encode(endpoint)));
		SOURCES.remove(new ByteKey((s != null) ? s : encode(source)));
	}

	/** The estimated bytes held by the caches. */
	static long bytes() {
		return ENCODED.bytes() + ENDPOINTS.bytes() + SOURCES.bytes();
	}

	/** Forgets everything cached (tests compare cached and fresh decodings). */
	static void clear() {
		ENCODED.clear();
		ENDPOINTS.clear();
		SOURCES.clear();
	}

	/**
	 * A map bounded in entries and in (estimated) bytes: reads are lock-free, writes
	 * (cache misses) take a lock, and a put that would pass a bound first empties the
	 * map. Entries are immutable values, so emptying only costs re-encoding.
	 */
	static final class BoundedCache<K, V> {

		private final ConcurrentHashMap<K, V> map = new ConcurrentHashMap<>();

		private final ConcurrentHashMap<K, Long> costs = new ConcurrentHashMap<>();

		private final ReentrantLock lock = new ReentrantLock();

		private volatile long bytes;

		@Nullable V get(K key) {
			return map.get(key);
		}

		void put(K key, V value, long cost) {
			if (cost > MAX_BYTES / 4) {
				return;
			}
			lock.lock();
			try {
				if (map.containsKey(key)) {
					return;
				}
				if (map.size() >= MAX_ENTRIES || bytes + cost > MAX_BYTES) {
					map.clear();
					costs.clear();
					bytes = 0;
				}
				map.put(key, value);
				costs.put(key, cost);
				bytes += cost;
			}
			finally {
				lock.unlock();
			}
		}

		@Nullable V remove(K key) {
			lock.lock();
			try {
				V removed = map.remove(key);
				Long cost = costs.remove(key);
				if (cost != null) {
					bytes -= cost;
				}
				return removed;
			}
			finally {
				lock.unlock();
			}
		}

		void clear() {
			lock.lock();
			try {
				map.clear();
				costs.clear();
				bytes = 0;
			}
			finally {
				lock.unlock();
			}
		}

		long bytes() {
			return bytes;
		}

	}

	/** A slice of bytes compared by content. */
	static final class ByteKey {

		private final byte[] bytes;

		private final int from;

		private final int to;

		private final int hash;

		ByteKey(byte[] bytes) {
			this(bytes, 0, bytes.length);
		}

		ByteKey(byte[] bytes, int from, int to) {
			this.bytes = bytes;
			this.from = from;
			this.to = to;
			int h = 1;
			for (int i = from; i < to; i++) {
				h = 31 * h + bytes[i];
			}
			this.hash = h;
		}

		/** The key with its own copy of the bytes (a view must not be kept). */
		ByteKey copy() {
			return new ByteKey(Arrays.copyOfRange(bytes, from, to), 0, to - from);
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof ByteKey k && Arrays.equals(bytes, from, to, k.bytes, k.from, k.to);
		}

		@Override
		public int hashCode() {
			return hash;
		}

	}

}
