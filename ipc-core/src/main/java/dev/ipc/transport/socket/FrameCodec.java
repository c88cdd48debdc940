package dev.ipc.transport.socket;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.ipc.internal.cbor.CborException;
import dev.ipc.internal.cbor.CborScan;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * The socket protocol's frames (see {@code docs/transport-protocol.md}): its versions and
 * limits, and one entry point to the classes that do the work, each one concern:
 * {@link FrameEncoder} writes version 1's CBOR frames, {@link FrameDecoder} reads them
 * (after {@link CborScan} has bounded their cost), {@link EndpointCbor} is the serde form
 * of endpoints and sources and {@link EndpointCache} remembers it, {@link CompactFrames}
 * is version 2's binary data frames. All CBOR goes through the core's one toolkit
 * ({@code dev.ipc.internal.cbor}); decoding failures are {@link FrameCodecException}s,
 * never another exception.
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

	/** Bytes of the length prefix in front of each frame. */
	static final int LENGTH_PREFIX = 4;

	/**
	 * The most bytes (estimated) each of the endpoint caches holds before it is emptied.
	 */
	static final long CACHE_MAX_BYTES = EndpointCache.MAX_BYTES;

	/**
	 * The deepest nesting of arrays and maps a frame may have (version 1 frames need at
	 * most 6).
	 */
	static final int MAX_DEPTH = 16;

	private FrameCodec() {
	}

	/** Encodes any frame, length prefix included. */
	static byte[] encode(Frame frame) {
		return FrameEncoder.encode(frame);
	}

	/** Decodes the CBOR body of one frame (without its length prefix). */
	static Frame decode(byte[] buf, int offset, int length) throws FrameCodecException {
		return FrameDecoder.decode(buf, offset, length);
	}

	/**
	 * Checks that {@code length} bytes at {@code offset} are exactly one well-formed CBOR
	 * item within the frame limits (no tags, at most {@link #MAX_DEPTH} deep, every
	 * length within the frame); what {@link #decode} runs first.
	 * @throws FrameCodecException naming the first problem
	 */
	static void scan(byte[] b, int offset, int length) throws FrameCodecException {
		try {
			CborScan.check(b, offset, length, MAX_DEPTH, false);
		}
		catch (CborException ex) {
			throw new FrameCodecException("malformed frame: " + ex.getMessage());
		}
	}

	/** The CBOR encoding of an endpoint (cached; endpoints are immutable values). */
	static byte[] endpointBytes(Endpoint endpoint) {
		return EndpointCache.endpointBytes(endpoint);
	}

	/** The CBOR encoding of a source (cached). */
	static byte[] sourceBytes(Source source) {
		return EndpointCache.sourceBytes(source);
	}

	/**
	 * Drops the cached encodings and decodings of a departed peer's endpoint and source,
	 * so what a peer registered does not outlive its connection.
	 */
	static void forget(Endpoint endpoint, Source source) {
		EndpointCache.forget(endpoint, source);
	}

	/**
	 * The estimated bytes held by the endpoint caches (encoded values, decoded endpoints
	 * and sources).
	 */
	static long cacheBytes() {
		return EndpointCache.bytes();
	}

	/**
	 * Forgets every cached encoding and decoding (tests compare cached and fresh
	 * decodings, and measure).
	 */
	static void clearDecodeCaches() {
		EndpointCache.clear();
	}

	/** A {@code Bind} frame from a pre-encoded source ({@link #sourceBytes}). */
	static byte[] bind(int id, byte[] source) {
		return FrameEncoder.bind(id, source);
	}

	/** The {@code Ping} frame, length prefix included. */
	static byte[] ping() {
		return FrameEncoder.ping();
	}

	/** The {@code Pong} frame, length prefix included. */
	static byte[] pong() {
		return FrameEncoder.pong();
	}

	/**
	 * A {@code Message} frame from pre-encoded parts, in one exactly sized array.
	 * @param destination the CBOR of the destination endpoint ({@link #endpointBytes})
	 */
	static byte[] message(byte[] destination, @Nullable String topic, byte[] payload) {
		return FrameEncoder.message(destination, topic, payload);
	}

	/** The body length {@link #message} would produce, without building it. */
	static int messageBodyLength(byte[] destination, @Nullable String topic, int payloadLength) {
		return FrameEncoder.messageBodyLength(destination, topic, payloadLength);
	}

	/**
	 * A {@code Deliver} frame from pre-encoded parts, in one exactly sized array.
	 * @param source the CBOR of the source ({@link #sourceBytes})
	 * @param destination the CBOR of the destination endpoint ({@link #endpointBytes})
	 */
	static byte[] deliver(byte[] source, byte[] destination, @Nullable String topic, byte[] payload) {
		return FrameEncoder.deliver(source, destination, topic, payload);
	}

	/** The length of the CBOR body of an encoded frame (without its prefix). */
	static int bodyLength(byte[] frame) {
		return frame.length - LENGTH_PREFIX;
	}

}
