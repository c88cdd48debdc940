package dev.ipc.transport.socket;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.dataformat.cbor.CBORMapper;

import dev.ipc.codec.IpcJsonModule;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.transport.SubscriptionTable;

/**
 * Encodes and decodes {@link Frame}s (see {@code docs/transport-protocol.md}).
 *
 * <p>
 * Encoding is hand-written so the bytes are exactly those documented: definite lengths,
 * minimal integer heads, the same field order every time, a 4-byte big-endian length
 * prefix in front. Endpoints and sources are encoded by {@link IpcJsonModule} (through a
 * tree, so their maps have definite lengths too) and cached.
 *
 * <p>
 * Decoding uses Jackson's CBOR parser and is lenient the way serde's derived decoders
 * are: fields in any order, unknown fields ignored, a missing or {@code null} topic is no
 * topic, definite or indefinite lengths, byte strings or arrays of small integers for
 * payloads. Anything else (garbage, truncation, trailing bytes, an unknown frame name, a
 * missing field) is a {@link FrameCodecException}, never another exception.
 *
 * <p>
 * <b>Bounded cost.</b> Before Jackson sees a frame, {@link #scan} walks it once, linearly
 * and without allocating per item, and refuses what no encoder of this protocol writes
 * but what would make parsing expensive: CBOR tags (a chain of tags costs Jackson
 * quadratic time), nesting deeper than {@link #MAX_DEPTH}, reserved heads and lengths
 * that run past the frame. Text fields of endpoints and sources are bounded by
 * {@link IpcJsonModule} ({@link IpcJsonModule#MAX_FIELD_CHARS}). The caches of encoded
 * and decoded endpoints are bounded in bytes ({@link #CACHE_MAX_BYTES} each) as well as
 * in entries, and a departed peer's entries are dropped with {@link #forget}.
 *
 * <p>
 * Version 2's compact data frames are written and read by {@link CompactFrames}; its
 * {@code Bind} is here.
 */
final class FrameCodec {

	/** The protocol versions this implementation speaks. */
	static final List<Integer> SUPPORTED_VERSIONS = List.of(1, 2, 3);

	/** The version with compact data frames and endpoint ids ({@link CompactFrames}). */
	static final int VERSION_COMPACT = 2;

	/**
	 * The version with publications: {@code Subscriptions}, {@code Subscribers} and the
	 * compact {@code Publish} and {@code Published} frames (compact frames included).
	 */
	static final int VERSION_PUBSUB = 3;

	/** The highest version this implementation speaks. */
	static final int CURRENT_VERSION = 1;

	/** Bytes of the length prefix in front of each frame. */
	static final int LENGTH_PREFIX = 4;

	/**
	 * Buffers are recycled per thread: Jackson 3's default shared deque pool costs more
	 * than small frames.
	 */
	private static final CBORMapper MAPPER = CBORMapper
		.builder(tools.jackson.dataformat.cbor.CBORFactory.builder()
			.recyclerPool(tools.jackson.core.util.JsonRecyclerPools.threadLocalPool())
			.build())
		.addModule(new IpcJsonModule())
		.build();

	private static final int CACHE_LIMIT = 4096;

	/**
	 * The most bytes (estimated) each of the endpoint caches holds before it is emptied.
	 */
	static final long CACHE_MAX_BYTES = 1024 * 1024;

	/**
	 * The deepest nesting of arrays and maps a frame may have (version 1 frames need at
	 * most 6).
	 */
	static final int MAX_DEPTH = 16;

	private static final BoundedCache<Object, byte[]> VALUE_CACHE = new BoundedCache<>();

	private static final byte[] K_HELLO = text("Hello");

	private static final byte[] K_WELCOME = text("Welcome");

	private static final byte[] K_REJECTED = text("Rejected");

	private static final byte[] K_MESSAGE = text("Message");

	private static final byte[] K_DELIVER = text("Deliver");

	private static final byte[] K_PEER_JOINED = text("PeerJoined");

	private static final byte[] K_PEER_LEFT = text("PeerLeft");

	private static final byte[] K_BIND = text("Bind");

	private static final byte[] K_SUBSCRIPTIONS = text("Subscriptions");

	private static final byte[] K_SUBSCRIBERS = text("Subscribers");

	private static final byte[] K_TOPICS = text("topics");

	private static final byte[] K_ID = text("id");

	private static final byte[] K_VERSIONS = text("versions");

	private static final byte[] K_VERSION = text("version");

	private static final byte[] K_ENDPOINT = text("endpoint");

	private static final byte[] K_HOST = text("host");

	private static final byte[] K_PEERS = text("peers");

	private static final byte[] K_REASON = text("reason");

	private static final byte[] K_DETAIL = text("detail");

	private static final byte[] K_SOURCE = text("source");

	private static final byte[] K_DESTINATION = text("destination");

	private static final byte[] K_TOPIC = text("topic");

	private static final byte[] K_PAYLOAD = text("payload");

	private static final byte[] PING_FRAME = frameOf(text("Ping"));

	private static final byte[] PONG_FRAME = frameOf(text("Pong"));

	private FrameCodec() {
	}

	// ------------------------------------------------------------------ encoding

	/** The CBOR encoding of an endpoint (cached; endpoints are immutable values). */
	static byte[] endpointBytes(Endpoint endpoint) {
		return cached(endpoint);
	}

	/** The CBOR encoding of a source (cached). */
	static byte[] sourceBytes(Source source) {
		return cached(source);
	}

	private static byte[] cached(Object value) {
		byte[] bytes = VALUE_CACHE.get(value);
		if (bytes == null) {
			bytes = MAPPER.writeValueAsBytes(MAPPER.valueToTree(value));
			// the key holds the same text again (as chars), plus object overhead
			VALUE_CACHE.put(value, bytes, 3L * bytes.length + 96);
		}
		return bytes;
	}

	/**
	 * Drops the cached encodings and decodings of a departed peer's endpoint and source,
	 * so what a peer registered does not outlive its connection. Frames that spelled the
	 * endpoint differently from this encoder (other field order, indefinite lengths)
	 * leave decode entries behind; the byte bound covers those.
	 */
	static void forget(Endpoint endpoint, Source source) {
		byte[] e = VALUE_CACHE.remove(endpoint);
		byte[] s = VALUE_CACHE.remove(source);
		ENDPOINTS.values.remove(new ByteKey((e != null) ? e : encodeUncached(endpoint)));
		SOURCES.values.remove(new ByteKey((s != null) ? s : encodeUncached(source)));
	}

	private static byte[] encodeUncached(Object value) {
		return MAPPER.writeValueAsBytes(MAPPER.valueToTree(value));
	}

	/**
	 * The estimated bytes held by the endpoint caches (encoded values, decoded endpoints
	 * and sources).
	 */
	static long cacheBytes() {
		return VALUE_CACHE.bytes() + ENDPOINTS.values.bytes() + SOURCES.values.bytes();
	}

	/**
	 * A map bounded in entries and in (estimated) bytes: reads are lock-free, writes
	 * (cache misses) take a lock, and a put that would pass a bound first empties the
	 * map. Entries are immutable values, so emptying only costs re-encoding.
	 */
	static final class BoundedCache<K, V> {

		private final ConcurrentHashMap<K, V> map = new ConcurrentHashMap<>();

		private final ConcurrentHashMap<K, Long> costs = new ConcurrentHashMap<>();

		private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

		private volatile long bytes;

		@Nullable V get(K key) {
			return map.get(key);
		}

		void put(K key, V value, long cost) {
			if (cost > CACHE_MAX_BYTES / 4) {
				return;
			}
			lock.lock();
			try {
				if (map.containsKey(key)) {
					return;
				}
				if (map.size() >= CACHE_LIMIT || bytes + cost > CACHE_MAX_BYTES) {
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

		int size() {
			return map.size();
		}

	}

	/** Encodes any frame, length prefix included. */
	static byte[] encode(Frame frame) {
		if (frame instanceof Frame.Message m) {
			return message(endpointBytes(m.destination()), m.topic(), m.payload());
		}
		if (frame instanceof Frame.Deliver d) {
			return deliver(sourceBytes(d.source()), endpointBytes(d.destination()), d.topic(), d.payload());
		}
		if (frame instanceof Frame.Ping) {
			return PING_FRAME.clone();
		}
		if (frame instanceof Frame.Pong) {
			return PONG_FRAME.clone();
		}
		Writer w = new Writer(64);
		w.head(5, 1);
		if (frame instanceof Frame.Hello h) {
			w.raw(K_HELLO);
			w.head(5, 2);
			w.raw(K_VERSIONS);
			w.head(4, h.versions().size());
			for (int v : h.versions()) {
				w.head(0, v);
			}
			w.raw(K_ENDPOINT);
			w.raw(endpointBytes(h.endpoint()));
		}
		else if (frame instanceof Frame.Welcome wl) {
			w.raw(K_WELCOME);
			w.head(5, 3);
			w.raw(K_VERSION);
			w.head(0, wl.version());
			w.raw(K_HOST);
			w.raw(endpointBytes(wl.host()));
			w.raw(K_PEERS);
			w.head(4, wl.peers().size());
			for (Endpoint peer : wl.peers()) {
				w.raw(endpointBytes(peer));
			}
		}
		else if (frame instanceof Frame.Rejected r) {
			w.raw(K_REJECTED);
			w.head(5, 2);
			w.raw(K_REASON);
			w.text(r.reason());
			w.raw(K_DETAIL);
			w.text(r.detail());
		}
		else if (frame instanceof Frame.Bind b) {
			return bind(b.id(), sourceBytes(b.source()));
		}
		else if (frame instanceof Frame.Subscriptions sub) {
			w.raw(K_SUBSCRIPTIONS);
			w.head(5, 1);
			w.raw(K_TOPICS);
			writeTopics(w, sub.topics());
		}
		else if (frame instanceof Frame.Subscribers sub) {
			w.raw(K_SUBSCRIBERS);
			w.head(5, 2);
			w.raw(K_ENDPOINT);
			w.raw(endpointBytes(sub.endpoint()));
			w.raw(K_TOPICS);
			writeTopics(w, sub.topics());
		}
		else if (frame instanceof Frame.PeerJoined j) {
			w.raw(K_PEER_JOINED);
			w.raw(endpointBytes(j.endpoint()));
		}
		else {
			w.raw(K_PEER_LEFT);
			w.raw(endpointBytes(((Frame.PeerLeft) frame).endpoint()));
		}
		return w.finish();
	}

	private static void writeTopics(Writer w, List<String> topics) {
		w.head(4, topics.size());
		for (String topic : topics) {
			w.text(topic);
		}
	}

	/** A {@code Bind} frame from a pre-encoded source ({@link #sourceBytes}). */
	static byte[] bind(int id, byte[] source) {
		Writer w = new Writer(16 + source.length);
		w.head(5, 1);
		w.raw(K_BIND);
		w.head(5, 2);
		w.raw(K_ID);
		w.head(0, id);
		w.raw(K_SOURCE);
		w.raw(source);
		return w.finish();
	}

	/** The {@code Ping} frame, length prefix included. */
	static byte[] ping() {
		return PING_FRAME.clone();
	}

	/** The {@code Pong} frame, length prefix included. */
	static byte[] pong() {
		return PONG_FRAME.clone();
	}

	/**
	 * A {@code Message} frame from pre-encoded parts, in one exactly sized array.
	 * @param destination the CBOR of the destination endpoint ({@link #endpointBytes})
	 */
	static byte[] message(byte[] destination, @Nullable String topic, byte[] payload) {
		byte[] topicBytes = (topic != null) ? topic.getBytes(StandardCharsets.UTF_8) : null;
		int size = 1 + K_MESSAGE.length + 1 + K_DESTINATION.length + destination.length + K_TOPIC.length
				+ topicSize(topicBytes) + K_PAYLOAD.length + headSize(payload.length) + payload.length;
		Writer w = new Writer(size);
		w.head(5, 1);
		w.raw(K_MESSAGE);
		w.head(5, 3);
		w.raw(K_DESTINATION);
		w.raw(destination);
		w.raw(K_TOPIC);
		w.topic(topicBytes);
		w.raw(K_PAYLOAD);
		w.head(2, payload.length);
		w.raw(payload);
		return w.finish();
	}

	/** The body length {@link #message} would produce, without building it. */
	static int messageBodyLength(byte[] destination, @Nullable String topic, int payloadLength) {
		byte[] topicBytes = (topic != null) ? topic.getBytes(StandardCharsets.UTF_8) : null;
		return 1 + K_MESSAGE.length + 1 + K_DESTINATION.length + destination.length + K_TOPIC.length
				+ topicSize(topicBytes) + K_PAYLOAD.length + headSize(payloadLength) + payloadLength;
	}

	/**
	 * A {@code Deliver} frame from pre-encoded parts, in one exactly sized array.
	 * @param source the CBOR of the source ({@link #sourceBytes})
	 * @param destination the CBOR of the destination endpoint ({@link #endpointBytes})
	 */
	static byte[] deliver(byte[] source, byte[] destination, @Nullable String topic, byte[] payload) {
		byte[] topicBytes = (topic != null) ? topic.getBytes(StandardCharsets.UTF_8) : null;
		int size = 1 + K_DELIVER.length + 1 + K_SOURCE.length + source.length + K_DESTINATION.length
				+ destination.length + K_TOPIC.length + topicSize(topicBytes) + K_PAYLOAD.length
				+ headSize(payload.length) + payload.length;
		Writer w = new Writer(size);
		w.head(5, 1);
		w.raw(K_DELIVER);
		w.head(5, 4);
		w.raw(K_SOURCE);
		w.raw(source);
		w.raw(K_DESTINATION);
		w.raw(destination);
		w.raw(K_TOPIC);
		w.topic(topicBytes);
		w.raw(K_PAYLOAD);
		w.head(2, payload.length);
		w.raw(payload);
		return w.finish();
	}

	/** The length of the CBOR body of an encoded frame (without its prefix). */
	static int bodyLength(byte[] frame) {
		return frame.length - LENGTH_PREFIX;
	}

	private static int topicSize(byte @Nullable [] topic) {
		return (topic == null) ? 1 : headSize(topic.length) + topic.length;
	}

	static int headSize(long value) {
		if (value < 24) {
			return 1;
		}
		if (value < 0x100) {
			return 2;
		}
		if (value < 0x10000) {
			return 3;
		}
		if (value < 0x100000000L) {
			return 5;
		}
		return 9;
	}

	private static byte[] text(String s) {
		byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
		Writer w = new Writer(headSize(utf8.length) + utf8.length);
		w.head(3, utf8.length);
		w.raw(utf8);
		return Arrays.copyOfRange(w.buf, LENGTH_PREFIX, w.pos);
	}

	private static byte[] frameOf(byte[] body) {
		Writer w = new Writer(body.length);
		w.raw(body);
		return w.finish();
	}

	/** Writes CBOR after a reserved 4-byte length prefix. */
	private static final class Writer {

		byte[] buf;

		int pos = LENGTH_PREFIX;

		Writer(int bodySizeHint) {
			this.buf = new byte[LENGTH_PREFIX + bodySizeHint];
		}

		private void ensure(int more) {
			if (pos + more > buf.length) {
				buf = Arrays.copyOf(buf, Math.max(pos + more, buf.length * 2));
			}
		}

		void head(int major, long value) {
			ensure(9);
			int mt = major << 5;
			if (value < 24) {
				buf[pos++] = (byte) (mt | (int) value);
			}
			else if (value < 0x100) {
				buf[pos++] = (byte) (mt | 24);
				buf[pos++] = (byte) value;
			}
			else if (value < 0x10000) {
				buf[pos++] = (byte) (mt | 25);
				buf[pos++] = (byte) (value >>> 8);
				buf[pos++] = (byte) value;
			}
			else if (value < 0x100000000L) {
				buf[pos++] = (byte) (mt | 26);
				for (int shift = 24; shift >= 0; shift -= 8) {
					buf[pos++] = (byte) (value >>> shift);
				}
			}
			else {
				buf[pos++] = (byte) (mt | 27);
				for (int shift = 56; shift >= 0; shift -= 8) {
					buf[pos++] = (byte) (value >>> shift);
				}
			}
		}

		void text(String s) {
			byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
			head(3, utf8.length);
			raw(utf8);
		}

		void topic(byte @Nullable [] utf8) {
			if (utf8 == null) {
				ensure(1);
				buf[pos++] = (byte) 0xF6;
			}
			else {
				head(3, utf8.length);
				raw(utf8);
			}
		}

		void raw(byte[] bytes) {
			ensure(bytes.length);
			System.arraycopy(bytes, 0, buf, pos, bytes.length);
			pos += bytes.length;
		}

		byte[] finish() {
			int length = pos - LENGTH_PREFIX;
			buf[0] = (byte) (length >>> 24);
			buf[1] = (byte) (length >>> 16);
			buf[2] = (byte) (length >>> 8);
			buf[3] = (byte) length;
			return (pos == buf.length) ? buf : Arrays.copyOf(buf, pos);
		}

	}

	// ------------------------------------------------------------------ decoding

	/** Decodes the CBOR body of one frame (without its length prefix). */
	static Frame decode(byte[] buf, int offset, int length) throws FrameCodecException {
		if (length <= 0) {
			throw new FrameCodecException("empty frame");
		}
		scan(buf, offset, length);
		try (JsonParser p = MAPPER.createParser(buf, offset, length)) {
			JsonToken token = p.nextToken();
			Frame frame;
			if (token == JsonToken.VALUE_STRING) {
				frame = unitVariant(p.getString());
			}
			else if (token == JsonToken.START_OBJECT) {
				String variant = p.nextName();
				if (variant == null) {
					throw new FrameCodecException(
							"a frame must be a variant name or a one-entry map, got an empty map");
				}
				p.nextToken();
				frame = variant(variant, p);
				if (p.nextToken() != JsonToken.END_OBJECT) {
					throw new FrameCodecException("a frame map must have exactly one entry");
				}
			}
			else {
				throw new FrameCodecException("a frame must be a variant name or a one-entry map, got " + token);
			}
			if (p.nextToken() != null) {
				throw new FrameCodecException("trailing bytes after the frame");
			}
			return frame;
		}
		catch (JacksonException | IllegalArgumentException ex) {
			throw new FrameCodecException("malformed frame: " + firstLine(ex.getMessage()), ex);
		}
	}

	private static String firstLine(@Nullable String message) {
		if (message == null) {
			return "(no detail)";
		}
		int nl = message.indexOf('\n');
		String line = (nl >= 0) ? message.substring(0, nl) : message;
		return (line.length() > 200) ? line.substring(0, 200) + "..." : line;
	}

	private static Frame unitVariant(String name) throws FrameCodecException {
		switch (name) {
			case "Ping":
				return Frame.PING;
			case "Pong":
				return Frame.PONG;
			default:
				throw new FrameCodecException("unknown frame '" + truncate(name) + "'");
		}
	}

	private static String truncate(String s) {
		return (s.length() > 40) ? s.substring(0, 40) + "..." : s;
	}

	private static Frame variant(String name, JsonParser p) throws FrameCodecException {
		switch (name) {
			case "Hello":
				return hello(p);
			case "Welcome":
				return welcome(p);
			case "Rejected":
				return rejected(p);
			case "Message":
				return messageFrame(p);
			case "Deliver":
				return deliverFrame(p);
			case "PeerJoined":
				return new Frame.PeerJoined(endpoint(p));
			case "PeerLeft":
				return new Frame.PeerLeft(endpoint(p));
			case "Bind":
				return bindFrame(p);
			case "Subscriptions":
				return subscriptionsFrame(p);
			case "Subscribers":
				return subscribersFrame(p);
			case "Ping":
				return Frame.PING;
			case "Pong":
				return Frame.PONG;
			default:
				throw new FrameCodecException("unknown frame '" + truncate(name) + "'");
		}
	}

	private static void expectMap(JsonParser p, String frame) throws FrameCodecException {
		if (p.currentToken() != JsonToken.START_OBJECT) {
			throw new FrameCodecException(frame + " must be a map, got " + p.currentToken());
		}
	}

	private static Frame.Hello hello(JsonParser p) throws FrameCodecException {
		expectMap(p, "Hello");
		List<Integer> versions = null;
		Endpoint endpoint = null;
		String field;
		while ((field = p.nextName()) != null) {
			p.nextToken();
			switch (field) {
				case "versions":
					versions = versions(p);
					break;
				case "endpoint":
					endpoint = endpoint(p);
					break;
				default:
					p.skipChildren();
			}
		}
		return new Frame.Hello(require(versions, "Hello", "versions"), require(endpoint, "Hello", "endpoint"));
	}

	private static Frame.Welcome welcome(JsonParser p) throws FrameCodecException {
		expectMap(p, "Welcome");
		Integer version = null;
		Endpoint host = null;
		List<Endpoint> peers = null;
		String field;
		while ((field = p.nextName()) != null) {
			p.nextToken();
			switch (field) {
				case "version":
					version = smallUint(p, "version");
					break;
				case "host":
					host = endpoint(p);
					break;
				case "peers":
					peers = endpoints(p);
					break;
				default:
					p.skipChildren();
			}
		}
		return new Frame.Welcome(require(version, "Welcome", "version"), require(host, "Welcome", "host"),
				require(peers, "Welcome", "peers"));
	}

	private static Frame.Subscriptions subscriptionsFrame(JsonParser p) throws FrameCodecException {
		expectMap(p, "Subscriptions");
		List<String> topics = null;
		String field;
		while ((field = p.nextName()) != null) {
			p.nextToken();
			if ("topics".equals(field)) {
				topics = topics(p);
			}
			else {
				p.skipChildren();
			}
		}
		return new Frame.Subscriptions(require(topics, "Subscriptions", "topics"));
	}

	private static Frame.Subscribers subscribersFrame(JsonParser p) throws FrameCodecException {
		expectMap(p, "Subscribers");
		Endpoint endpoint = null;
		List<String> topics = null;
		String field;
		while ((field = p.nextName()) != null) {
			p.nextToken();
			switch (field) {
				case "endpoint":
					endpoint = endpoint(p);
					break;
				case "topics":
					topics = topics(p);
					break;
				default:
					p.skipChildren();
			}
		}
		return new Frame.Subscribers(require(endpoint, "Subscribers", "endpoint"),
				require(topics, "Subscribers", "topics"));
	}

	/**
	 * A list of distinct topics within {@link SubscriptionTable}'s limits (checked while
	 * reading, so a hostile list costs no more than the limit).
	 */
	private static List<String> topics(JsonParser p) throws FrameCodecException {
		if (p.currentToken() != JsonToken.START_ARRAY) {
			throw new FrameCodecException("topics must be an array, got " + p.currentToken());
		}
		List<String> list = new ArrayList<>();
		java.util.Set<String> seen = new java.util.HashSet<>();
		while (p.nextToken() != JsonToken.END_ARRAY) {
			if (list.size() >= SubscriptionTable.MAX_TOPICS) {
				throw new FrameCodecException("more than " + SubscriptionTable.MAX_TOPICS + " topics");
			}
			String topic = string(p, "topics");
			if (topic.isEmpty() || topic.length() > SubscriptionTable.MAX_TOPIC_BYTES
					|| topic.getBytes(StandardCharsets.UTF_8).length > SubscriptionTable.MAX_TOPIC_BYTES) {
				throw new FrameCodecException(
						"a topic must be 1-" + SubscriptionTable.MAX_TOPIC_BYTES + " UTF-8 bytes");
			}
			if (!seen.add(topic)) {
				throw new FrameCodecException("a topic is listed twice");
			}
			list.add(topic);
		}
		return list;
	}

	private static Frame.Bind bindFrame(JsonParser p) throws FrameCodecException {
		expectMap(p, "Bind");
		Integer id = null;
		Source source = null;
		String field;
		while ((field = p.nextName()) != null) {
			p.nextToken();
			switch (field) {
				case "id":
					id = uint31(p, "id");
					break;
				case "source":
					source = source(p);
					break;
				default:
					p.skipChildren();
			}
		}
		return new Frame.Bind(require(id, "Bind", "id"), require(source, "Bind", "source"));
	}

	private static int uint31(JsonParser p, String field) throws FrameCodecException {
		if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
			throw new FrameCodecException("field `" + field + "` must be an unsigned integer, got " + p.currentToken());
		}
		long value;
		try {
			value = p.getLongValue();
		}
		catch (JacksonException ex) {
			throw new FrameCodecException("field `" + field + "` is out of range");
		}
		if (value < 0 || value > Integer.MAX_VALUE) {
			throw new FrameCodecException("field `" + field + "` is out of range: " + value);
		}
		return (int) value;
	}

	private static Frame.Rejected rejected(JsonParser p) throws FrameCodecException {
		expectMap(p, "Rejected");
		String reason = null;
		String detail = "";
		String field;
		while ((field = p.nextName()) != null) {
			p.nextToken();
			switch (field) {
				case "reason":
					reason = string(p, "reason");
					break;
				case "detail":
					detail = (p.currentToken() == JsonToken.VALUE_NULL) ? "" : string(p, "detail");
					break;
				default:
					p.skipChildren();
			}
		}
		return new Frame.Rejected(require(reason, "Rejected", "reason"), detail);
	}

	private static Frame.Message messageFrame(JsonParser p) throws FrameCodecException {
		expectMap(p, "Message");
		Endpoint destination = null;
		String topic = null;
		byte[] payload = null;
		String field;
		while ((field = p.nextName()) != null) {
			p.nextToken();
			switch (field) {
				case "destination":
					destination = endpoint(p);
					break;
				case "topic":
					topic = optionalString(p, "topic");
					break;
				case "payload":
					payload = bytes(p, "payload");
					break;
				default:
					p.skipChildren();
			}
		}
		return new Frame.Message(require(destination, "Message", "destination"), topic,
				require(payload, "Message", "payload"));
	}

	private static Frame.Deliver deliverFrame(JsonParser p) throws FrameCodecException {
		expectMap(p, "Deliver");
		Source source = null;
		Endpoint destination = null;
		String topic = null;
		byte[] payload = null;
		String field;
		while ((field = p.nextName()) != null) {
			p.nextToken();
			switch (field) {
				case "source":
					source = source(p);
					break;
				case "destination":
					destination = endpoint(p);
					break;
				case "topic":
					topic = optionalString(p, "topic");
					break;
				case "payload":
					payload = bytes(p, "payload");
					break;
				default:
					p.skipChildren();
			}
		}
		return new Frame.Deliver(require(source, "Deliver", "source"), require(destination, "Deliver", "destination"),
				topic, require(payload, "Deliver", "payload"));
	}

	private static <T> T require(@Nullable T value, String frame, String field) throws FrameCodecException {
		if (value == null) {
			throw new FrameCodecException(frame + " is missing field `" + field + "`");
		}
		return value;
	}

	private static Endpoint endpoint(JsonParser p) throws FrameCodecException {
		JsonToken t = p.currentToken();
		if (t != JsonToken.VALUE_STRING && t != JsonToken.START_OBJECT) {
			throw new FrameCodecException("an endpoint must be a variant name or a one-entry map, got " + t);
		}
		Endpoint endpoint = ENDPOINTS.read(p, Endpoint.class);
		if (endpoint == null) {
			throw new FrameCodecException("null endpoint");
		}
		return endpoint;
	}

	private static Source source(JsonParser p) throws FrameCodecException {
		JsonToken t = p.currentToken();
		if (t != JsonToken.VALUE_STRING && t != JsonToken.START_OBJECT) {
			throw new FrameCodecException("a source must be a variant name or a one-entry map, got " + t);
		}
		Source source = SOURCES.read(p, Source.class);
		if (source == null) {
			throw new FrameCodecException("null source");
		}
		return source;
	}

	private static final DecodeCache ENDPOINTS = new DecodeCache();

	/**
	 * Forgets every cached encoding and decoding (tests compare cached and fresh
	 * decodings, and measure).
	 */
	static void clearDecodeCaches() {
		ENDPOINTS.values.clear();
		SOURCES.values.clear();
		VALUE_CACHE.clear();
	}

	private static final DecodeCache SOURCES = new DecodeCache();

	/**
	 * Remembers decoded endpoints (or sources) by their exact CBOR bytes, since the same
	 * few recur in every frame. Decoding itself stays with {@link IpcJsonModule}; a value
	 * is cached only after the parser confirmed that it ended exactly where the raw item
	 * ends (CBOR items are self-delimiting, so equal bytes are the same item).
	 */
	private static final class DecodeCache {

		private static final int MAX_KEY = 512;

		private final BoundedCache<ByteKey, Object> values = new BoundedCache<>();

		<T> @Nullable T read(JsonParser p, Class<T> type) {
			int start = (int) p.currentTokenLocation().getByteOffset();
			Object input = p.streamReadInputSource();
			byte[] buf = (input instanceof byte[] bytes) ? bytes : null;
			int end = (buf != null && start >= 0 && start < buf.length) ? itemEnd(buf, start, buf.length, 0) : -1;
			if (end < 0 || end - start > MAX_KEY) {
				return p.readValueAs(type);
			}
			ByteKey key = new ByteKey(buf, start, end);
			Object hit = values.get(key);
			if (hit != null) {
				if (p.currentToken() == JsonToken.START_OBJECT) {
					p.skipChildren();
				}
				return type.cast(hit);
			}
			T value = p.readValueAs(type);
			if (value != null && p.currentLocation().getByteOffset() == end) {
				// the key bytes, the decoded strings (as chars) and object overhead
				values.put(key.copy(), value, 3L * (end - start) + 128);
			}
			return value;
		}

	}

	/** A slice of bytes compared by content. */
	private static final class ByteKey {

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

	/**
	 * Checks in one linear pass, before any parser runs, that {@code length} bytes at
	 * {@code offset} are exactly one well-formed CBOR item without tags and nested at
	 * most {@link #MAX_DEPTH} deep. Definite and indefinite lengths are accepted; every
	 * declared length must fit in what is left of the frame, so the work is bounded by
	 * the frame's size whatever it declares.
	 * @throws FrameCodecException naming the first problem
	 */
	static void scan(byte[] b, int offset, int length) throws FrameCodecException {
		int pos = offset;
		int end = offset + length;
		// per open container: items still expected (-1: indefinite, until a break), and
		// for an indefinite string
		// the major type its chunks must have (-1 otherwise); level 0 is the frame itself
		long[] left = new long[MAX_DEPTH + 1];
		int[] chunks = new int[MAX_DEPTH + 1];
		int depth = 0;
		left[0] = 1;
		chunks[0] = -1;
		while (true) {
			if (left[depth] == 0) {
				if (depth == 0) {
					break;
				}
				depth--;
				if (left[depth] > 0) {
					left[depth]--;
				}
				continue;
			}
			if (pos >= end) {
				throw new FrameCodecException("malformed frame: truncated CBOR item");
			}
			int initial = b[pos++] & 0xFF;
			if (initial == 0xFF) {
				if (depth == 0 || left[depth] != -1) {
					throw new FrameCodecException("malformed frame: unexpected CBOR break");
				}
				left[depth] = 0;
				continue;
			}
			int major = initial >>> 5;
			int info = initial & 0x1F;
			if (chunks[depth] >= 0 && (major != chunks[depth] || info == 31)) {
				throw new FrameCodecException("malformed frame: bad chunk in an indefinite-length string");
			}
			if (major == 6) {
				throw new FrameCodecException("malformed frame: CBOR tags are not accepted");
			}
			long arg;
			boolean indefinite = false;
			if (info < 24) {
				arg = info;
			}
			else if (info <= 27) {
				int n = 1 << (info - 24);
				if (end - pos < n) {
					throw new FrameCodecException("malformed frame: truncated CBOR head");
				}
				arg = 0;
				for (int i = 0; i < n; i++) {
					arg = (arg << 8) | (b[pos++] & 0xFF);
				}
			}
			else if (info == 31 && major >= 2 && major <= 5) {
				arg = -1;
				indefinite = true;
			}
			else {
				throw new FrameCodecException("malformed frame: reserved CBOR head 0x" + Integer.toHexString(initial));
			}
			if (major == 2 || major == 3) {
				if (indefinite) {
					depth = push(left, chunks, depth, -1, major);
					continue;
				}
				if (arg < 0 || arg > end - pos) {
					throw new FrameCodecException("malformed frame: a string runs past the end of the frame");
				}
				pos += (int) arg;
			}
			else if (major == 4 || major == 5) {
				if (indefinite) {
					depth = push(left, chunks, depth, -1, -1);
					continue;
				}
				// every item takes at least one byte
				long items = (major == 5) ? 2 * arg : arg;
				if (arg < 0 || items < 0 || items > end - pos) {
					throw new FrameCodecException(
							"malformed frame: a container declares more items than the frame holds");
				}
				if (items > 0) {
					depth = push(left, chunks, depth, items, -1);
					continue;
				}
			}
			if (left[depth] > 0) {
				left[depth]--;
			}
		}
		if (pos != end) {
			throw new FrameCodecException("trailing bytes after the frame");
		}
	}

	private static int push(long[] left, int[] chunks, int depth, long items, int chunkMajor)
			throws FrameCodecException {
		if (depth + 1 > MAX_DEPTH) {
			throw new FrameCodecException("malformed frame: nested deeper than " + MAX_DEPTH + " levels");
		}
		left[depth + 1] = items;
		chunks[depth + 1] = chunkMajor;
		return depth + 1;
	}

	/**
	 * The end of the definite-length CBOR item at {@code pos}, or -1 if it is indefinite,
	 * malformed, too deep or runs past {@code limit}.
	 */
	static int itemEnd(byte[] b, int pos, int limit, int depth) {
		if (depth > 16 || pos >= limit) {
			return -1;
		}
		int initial = b[pos++] & 0xFF;
		int major = initial >>> 5;
		int info = initial & 0x1F;
		long arg;
		if (info < 24) {
			arg = info;
		}
		else if (info <= 27) {
			int n = 1 << (info - 24);
			if (pos + n > limit) {
				return -1;
			}
			arg = 0;
			for (int i = 0; i < n; i++) {
				arg = (arg << 8) | (b[pos++] & 0xFF);
			}
			if (arg < 0) {
				return -1;
			}
		}
		else {
			return -1;
		}
		switch (major) {
			case 2:
			case 3:
				return (arg > limit - pos) ? -1 : pos + (int) arg;
			case 4:
			case 5:
				long items = (major == 5) ? 2 * arg : arg;
				if (items > limit - pos) {
					return -1;
				}
				for (long i = 0; i < items; i++) {
					pos = itemEnd(b, pos, limit, depth + 1);
					if (pos < 0) {
						return -1;
					}
				}
				return pos;
			case 6:
				return itemEnd(b, pos, limit, depth + 1);
			default:
				return pos;
		}
	}

	private static List<Endpoint> endpoints(JsonParser p) throws FrameCodecException {
		if (p.currentToken() != JsonToken.START_ARRAY) {
			throw new FrameCodecException("peers must be an array, got " + p.currentToken());
		}
		List<Endpoint> list = new ArrayList<>();
		while (p.nextToken() != JsonToken.END_ARRAY) {
			list.add(endpoint(p));
		}
		return list;
	}

	private static List<Integer> versions(JsonParser p) throws FrameCodecException {
		if (p.currentToken() != JsonToken.START_ARRAY) {
			throw new FrameCodecException("versions must be an array, got " + p.currentToken());
		}
		List<Integer> list = new ArrayList<>();
		while (p.nextToken() != JsonToken.END_ARRAY) {
			if (list.size() >= 64) {
				throw new FrameCodecException("too many versions");
			}
			list.add(smallUint(p, "versions"));
		}
		return list;
	}

	private static int smallUint(JsonParser p, String field) throws FrameCodecException {
		if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
			throw new FrameCodecException("field `" + field + "` must be an unsigned integer, got " + p.currentToken());
		}
		long value;
		try {
			value = p.getLongValue();
		}
		catch (JacksonException ex) {
			throw new FrameCodecException("field `" + field + "` is out of range");
		}
		if (value < 0 || value > 0xFFFF) {
			throw new FrameCodecException("field `" + field + "` is out of range: " + value);
		}
		return (int) value;
	}

	private static String string(JsonParser p, String field) throws FrameCodecException {
		if (p.currentToken() != JsonToken.VALUE_STRING) {
			throw new FrameCodecException("field `" + field + "` must be a text string, got " + p.currentToken());
		}
		return p.getString();
	}

	private static @Nullable String optionalString(JsonParser p, String field) throws FrameCodecException {
		return (p.currentToken() == JsonToken.VALUE_NULL) ? null : string(p, field);
	}

	private static byte[] bytes(JsonParser p, String field) throws FrameCodecException {
		JsonToken t = p.currentToken();
		if (t == JsonToken.VALUE_EMBEDDED_OBJECT) {
			byte[] bytes = p.getBinaryValue();
			if (bytes == null) {
				throw new FrameCodecException("field `" + field + "` must be a byte string");
			}
			return bytes;
		}
		if (t == JsonToken.START_ARRAY) {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			while (p.nextToken() != JsonToken.END_ARRAY) {
				if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
					throw new FrameCodecException("field `" + field + "` must hold integers 0-255");
				}
				int b = p.getIntValue();
				if (b < 0 || b > 255) {
					throw new FrameCodecException("field `" + field + "` must hold integers 0-255, got " + b);
				}
				out.write(b);
			}
			return out.toByteArray();
		}
		throw new FrameCodecException("field `" + field + "` must be a byte string, got " + t);
	}

}
