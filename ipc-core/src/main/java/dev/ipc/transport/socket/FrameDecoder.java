package dev.ipc.transport.socket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.ipc.internal.cbor.CborException;
import dev.ipc.internal.cbor.CborReader;
import dev.ipc.internal.cbor.CborScan;
import dev.ipc.internal.cbor.CborWriter;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.transport.SubscriptionTable;

/**
 * Reads version 1's CBOR frames, lenient the way serde's derived decoders are: fields in
 * any order, unknown fields ignored (a repeated field's last value wins), a missing or
 * {@code null} topic is no topic, definite or indefinite lengths, byte strings or arrays
 * of small integers for payloads. Anything else (garbage, truncation, trailing bytes, an
 * unknown frame name, a missing field) is a {@link FrameCodecException}.
 *
 * <p>
 * <b>Bounded cost.</b> {@link CborScan} first walks the frame once, linearly and without
 * allocating, and refuses what no encoder of this protocol writes but what would make
 * decoding expensive: tags, nesting deeper than {@link FrameCodec#MAX_DEPTH}, reserved
 * heads and lengths that run past the frame. Text fields of endpoints and sources are
 * bounded by {@link EndpointCbor}, topic lists by {@link SubscriptionTable}'s limits.
 *
 * <p>
 * The payload of a {@code Message} or {@code Deliver} is copied out of the frame: frames
 * are read into the I/O loop's shared buffer, which the next read overwrites.
 */
final class FrameDecoder {

	private static final byte[] K_VERSIONS = utf8("versions");

	private static final byte[] K_ENDPOINT = utf8("endpoint");

	private static final byte[] K_VERSION = utf8("version");

	private static final byte[] K_HOST = utf8("host");

	private static final byte[] K_PEERS = utf8("peers");

	private static final byte[] K_REASON = utf8("reason");

	private static final byte[] K_DETAIL = utf8("detail");

	private static final byte[] K_DESTINATION = utf8("destination");

	private static final byte[] K_SOURCE = utf8("source");

	private static final byte[] K_TOPIC = utf8("topic");

	private static final byte[] K_PAYLOAD = utf8("payload");

	private static final byte[] K_ID = utf8("id");

	private static final byte[] K_TOPICS = utf8("topics");

	private static final String[] TYPES = { "an unsigned integer", "a negative integer", "a byte string",
			"a text string", "an array", "a map", "a tag", "a simple value" };

	private FrameDecoder() {
	}

	/** Decodes the CBOR body of one frame (without its length prefix). */
	static Frame decode(byte[] buf, int offset, int length) throws FrameCodecException {
		if (length <= 0) {
			throw new FrameCodecException("empty frame");
		}
		try {
			CborScan.check(buf, offset, length, FrameCodec.MAX_DEPTH, false);
			CborReader in = new CborReader(buf, offset, length, false, FrameCodec.MAX_DEPTH);
			Frame frame = frame(in);
			in.expectEnd();
			return frame;
		}
		catch (CborException ex) {
			throw new FrameCodecException("malformed frame: " + ex.getMessage());
		}
		catch (IllegalArgumentException ex) {
			throw new FrameCodecException("malformed frame: " + ex.getMessage(), ex);
		}
	}

	private static Frame frame(CborReader in) throws CborException, FrameCodecException {
		int major = in.peekMajor();
		if (major == CborWriter.TEXT) {
			String name = in.readText();
			return switch (name) {
				case "Ping" -> Frame.PING;
				case "Pong" -> Frame.PONG;
				default -> throw unknownFrame(name);
			};
		}
		if (major != CborWriter.MAP) {
			throw new FrameCodecException("a frame must be a variant name or a one-entry map, got " + TYPES[major]);
		}
		long entries = in.readContainer(CborWriter.MAP);
		if (!in.hasNext(entries)) {
			throw new FrameCodecException("a frame must be a variant name or a one-entry map, got an empty map");
		}
		if (in.peekMajor() != CborWriter.TEXT) {
			throw new FrameCodecException("a frame's variant name must be a text string");
		}
		String name = in.readText();
		Frame frame = switch (name) {
			case "Hello" -> hello(in);
			case "Welcome" -> welcome(in);
			case "Rejected" -> rejected(in);
			case "Message" -> message(in);
			case "Deliver" -> deliver(in);
			case "PeerJoined" -> new Frame.PeerJoined(endpoint(in));
			case "PeerLeft" -> new Frame.PeerLeft(endpoint(in));
			case "Bind" -> bind(in);
			case "Subscriptions" -> subscriptions(in);
			case "Subscribers" -> subscribers(in);
			case "Ping" -> unit(in, Frame.PING);
			case "Pong" -> unit(in, Frame.PONG);
			default -> throw unknownFrame(name);
		};
		if (in.hasNext(entries - 1)) {
			throw new FrameCodecException("a frame map must have exactly one entry");
		}
		return frame;
	}

	private static Frame unit(CborReader in, Frame frame) throws CborException {
		in.skip();
		return frame;
	}

	private static FrameCodecException unknownFrame(String name) {
		return new FrameCodecException(
				"unknown frame '" + ((name.length() > 40) ? name.substring(0, 40) + "..." : name) + "'");
	}

	/**
	 * Reads the head of a frame's field map; the caller loops with
	 * {@link CborReader#hasNext} and {@link CborReader#readKey}.
	 */
	private static long fields(CborReader in, String frame) throws CborException, FrameCodecException {
		if (in.peekMajor() != CborWriter.MAP) {
			throw new FrameCodecException(frame + " must be a map, got " + TYPES[in.peekMajor()]);
		}
		return in.readContainer(CborWriter.MAP);
	}

	private static Frame.Hello hello(CborReader in) throws CborException, FrameCodecException {
		List<Integer> versions = null;
		Endpoint endpoint = null;
		for (long left = fields(in, "Hello"); in.hasNext(left); left--) {
			switch (in.readKey(K_VERSIONS, K_ENDPOINT)) {
				case 0 -> versions = versions(in);
				case 1 -> endpoint = endpoint(in);
				default -> in.skip();
			}
		}
		return new Frame.Hello(require(versions, "Hello", "versions"), require(endpoint, "Hello", "endpoint"));
	}

	private static Frame.Welcome welcome(CborReader in) throws CborException, FrameCodecException {
		Integer version = null;
		Endpoint host = null;
		List<Endpoint> peers = null;
		for (long left = fields(in, "Welcome"); in.hasNext(left); left--) {
			switch (in.readKey(K_VERSION, K_HOST, K_PEERS)) {
				case 0 -> version = uint(in, "version", 0xFFFF);
				case 1 -> host = endpoint(in);
				case 2 -> peers = endpoints(in);
				default -> in.skip();
			}
		}
		return new Frame.Welcome(require(version, "Welcome", "version"), require(host, "Welcome", "host"),
				require(peers, "Welcome", "peers"));
	}

	private static Frame.Rejected rejected(CborReader in) throws CborException, FrameCodecException {
		String reason = null;
		String detail = "";
		for (long left = fields(in, "Rejected"); in.hasNext(left); left--) {
			switch (in.readKey(K_REASON, K_DETAIL)) {
				case 0 -> reason = string(in, "reason");
				case 1 -> detail = in.peekNull() ? skipNull(in, "") : string(in, "detail");
				default -> in.skip();
			}
		}
		return new Frame.Rejected(require(reason, "Rejected", "reason"), detail);
	}

	private static Frame.Message message(CborReader in) throws CborException, FrameCodecException {
		Endpoint destination = null;
		String topic = null;
		byte[] payload = null;
		for (long left = fields(in, "Message"); in.hasNext(left); left--) {
			switch (in.readKey(K_DESTINATION, K_TOPIC, K_PAYLOAD)) {
				case 0 -> destination = endpoint(in);
				case 1 -> topic = optionalString(in, "topic");
				case 2 -> payload = payload(in);
				default -> in.skip();
			}
		}
		return new Frame.Message(require(destination, "Message", "destination"), topic,
				require(payload, "Message", "payload"));
	}

	private static Frame.Deliver deliver(CborReader in) throws CborException, FrameCodecException {
		Source source = null;
		Endpoint destination = null;
		String topic = null;
		byte[] payload = null;
		for (long left = fields(in, "Deliver"); in.hasNext(left); left--) {
			switch (in.readKey(K_SOURCE, K_DESTINATION, K_TOPIC, K_PAYLOAD)) {
				case 0 -> source = source(in);
				case 1 -> destination = endpoint(in);
				case 2 -> topic = optionalString(in, "topic");
				case 3 -> payload = payload(in);
				default -> in.skip();
			}
		}
		return new Frame.Deliver(require(source, "Deliver", "source"), require(destination, "Deliver", "destination"),
				topic, require(payload, "Deliver", "payload"));
	}

	private static Frame.Bind bind(CborReader in) throws CborException, FrameCodecException {
		Integer id = null;
		Source source = null;
		for (long left = fields(in, "Bind"); in.hasNext(left); left--) {
			switch (in.readKey(K_ID, K_SOURCE)) {
				case 0 -> id = uint(in, "id", Integer.MAX_VALUE);
				case 1 -> source = source(in);
				default -> in.skip();
			}
		}
		return new Frame.Bind(require(id, "Bind", "id"), require(source, "Bind", "source"));
	}

	private static Frame.Subscriptions subscriptions(CborReader in) throws CborException, FrameCodecException {
		List<String> topics = null;
		for (long left = fields(in, "Subscriptions"); in.hasNext(left); left--) {
			if (in.readKey(K_TOPICS) == 0) {
				topics = topics(in);
			}
			else {
				in.skip();
			}
		}
		return new Frame.Subscriptions(require(topics, "Subscriptions", "topics"));
	}

	private static Frame.Subscribers subscribers(CborReader in) throws CborException, FrameCodecException {
		Endpoint endpoint = null;
		List<String> topics = null;
		for (long left = fields(in, "Subscribers"); in.hasNext(left); left--) {
			switch (in.readKey(K_ENDPOINT, K_TOPICS)) {
				case 0 -> endpoint = endpoint(in);
				case 1 -> topics = topics(in);
				default -> in.skip();
			}
		}
		return new Frame.Subscribers(require(endpoint, "Subscribers", "endpoint"),
				require(topics, "Subscribers", "topics"));
	}

	/**
	 * A list of distinct topics within {@link SubscriptionTable}'s limits (checked while
	 * reading, so a hostile list costs no more than the limit).
	 */
	private static List<String> topics(CborReader in) throws CborException, FrameCodecException {
		long left = array(in, "topics");
		List<String> list = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		for (; in.hasNext(left); left--) {
			if (list.size() >= SubscriptionTable.MAX_TOPICS) {
				throw new FrameCodecException("more than " + SubscriptionTable.MAX_TOPICS + " topics");
			}
			String topic = string(in, "topics");
			if (topic.isEmpty() || in.viewLength() > SubscriptionTable.MAX_TOPIC_BYTES) { // its
																							// UTF-8
																							// length
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

	private static List<Endpoint> endpoints(CborReader in) throws CborException, FrameCodecException {
		List<Endpoint> list = new ArrayList<>();
		for (long left = array(in, "peers"); in.hasNext(left); left--) {
			list.add(endpoint(in));
		}
		return list;
	}

	private static List<Integer> versions(CborReader in) throws CborException, FrameCodecException {
		List<Integer> list = new ArrayList<>();
		for (long left = array(in, "versions"); in.hasNext(left); left--) {
			if (list.size() >= 64) {
				throw new FrameCodecException("too many versions");
			}
			list.add(uint(in, "versions", 0xFFFF));
		}
		return list;
	}

	private static long array(CborReader in, String field) throws CborException, FrameCodecException {
		if (in.peekMajor() != CborWriter.ARRAY) {
			throw new FrameCodecException(field + " must be an array, got " + TYPES[in.peekMajor()]);
		}
		return in.readContainer(CborWriter.ARRAY);
	}

	private static Endpoint endpoint(CborReader in) throws CborException, FrameCodecException {
		int major = in.peekMajor();
		if (major != CborWriter.TEXT && major != CborWriter.MAP) {
			throw new FrameCodecException("an endpoint must be a variant name or a one-entry map, got " + TYPES[major]);
		}
		return EndpointCache.readEndpoint(in);
	}

	private static Source source(CborReader in) throws CborException, FrameCodecException {
		int major = in.peekMajor();
		if (major != CborWriter.TEXT && major != CborWriter.MAP) {
			throw new FrameCodecException("a source must be a variant name or a one-entry map, got " + TYPES[major]);
		}
		return EndpointCache.readSource(in);
	}

	/** An unsigned integer of at most {@code max}. */
	private static int uint(CborReader in, String field, int max) throws CborException, FrameCodecException {
		int major = in.peekMajor();
		if (major > CborWriter.NEGATIVE) {
			throw new FrameCodecException("field `" + field + "` must be an unsigned integer, got " + TYPES[major]);
		}
		if (major == CborWriter.NEGATIVE) {
			in.skip();
			throw new FrameCodecException("field `" + field + "` is out of range");
		}
		long value = in.readUnsigned();
		if (value < 0 || value > max) {
			throw new FrameCodecException("field `" + field + "` is out of range: " + Long.toUnsignedString(value));
		}
		return (int) value;
	}

	private static String string(CborReader in, String field) throws CborException, FrameCodecException {
		int major = in.peekMajor();
		if (major != CborWriter.TEXT) {
			throw new FrameCodecException("field `" + field + "` must be a text string, got " + TYPES[major]);
		}
		return in.readText();
	}

	private static @Nullable String optionalString(CborReader in, String field)
			throws CborException, FrameCodecException {
		return in.peekNull() ? skipNull(in, null) : string(in, field);
	}

	private static <T> T skipNull(CborReader in, T value) throws CborException {
		in.readNull();
		return value;
	}

	/**
	 * A payload: a byte string or an array of integers 0-255, copied out of the frame.
	 */
	private static byte[] payload(CborReader in) throws CborException, FrameCodecException {
		int major = in.peekMajor();
		if (major == CborWriter.BYTES) {
			in.readBytesView();
			return (in.viewArray() == in.input()) ? in.viewCopy() : in.viewArray();
		}
		if (major != CborWriter.ARRAY) {
			throw new FrameCodecException("field `payload` must be a byte string, got " + TYPES[major]);
		}
		long left = in.readContainer(CborWriter.ARRAY);
		byte[] out = new byte[(left >= 0) ? (int) left : 16];
		int n = 0;
		for (; in.hasNext(left); left--) {
			if (in.peekMajor() > CborWriter.NEGATIVE) {
				throw new FrameCodecException("field `payload` must hold integers 0-255");
			}
			long b = in.readInteger();
			if (b < 0 || b > 255) {
				throw new FrameCodecException("field `payload` must hold integers 0-255, got " + b);
			}
			if (n == out.length) {
				out = Arrays.copyOf(out, 2 * n);
			}
			out[n++] = (byte) b;
		}
		return (n == out.length) ? out : Arrays.copyOf(out, n);
	}

	private static <T> T require(@Nullable T value, String frame, String field) throws FrameCodecException {
		if (value == null) {
			throw new FrameCodecException(frame + " is missing field `" + field + "`");
		}
		return value;
	}

	private static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

}
