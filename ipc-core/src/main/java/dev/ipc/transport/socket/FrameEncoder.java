package dev.ipc.transport.socket;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.ipc.internal.cbor.CborWriter;
import dev.ipc.model.Endpoint;

/**
 * Writes version 1's CBOR frames exactly as documented
 * ({@code docs/transport-protocol.md}): definite lengths, shortest heads, the same field
 * order every time, the 4-byte big-endian length prefix in front, endpoints and sources
 * from {@link EndpointCache}. The data frames ({@code Message}, {@code Deliver}) are
 * built in one exactly sized array from pre-encoded parts.
 */
final class FrameEncoder {

	private static final int PREFIX = FrameCodec.LENGTH_PREFIX;

	private static final byte[] K_HELLO = key("Hello");

	private static final byte[] K_WELCOME = key("Welcome");

	private static final byte[] K_REJECTED = key("Rejected");

	private static final byte[] K_MESSAGE = key("Message");

	private static final byte[] K_DELIVER = key("Deliver");

	private static final byte[] K_PEER_JOINED = key("PeerJoined");

	private static final byte[] K_PEER_LEFT = key("PeerLeft");

	private static final byte[] K_BIND = key("Bind");

	private static final byte[] K_SUBSCRIPTIONS = key("Subscriptions");

	private static final byte[] K_SUBSCRIBERS = key("Subscribers");

	private static final byte[] K_TOPICS = key("topics");

	private static final byte[] K_ID = key("id");

	private static final byte[] K_VERSIONS = key("versions");

	private static final byte[] K_VERSION = key("version");

	private static final byte[] K_ENDPOINT = key("endpoint");

	private static final byte[] K_HOST = key("host");

	private static final byte[] K_PEERS = key("peers");

	private static final byte[] K_REASON = key("reason");

	private static final byte[] K_DETAIL = key("detail");

	private static final byte[] K_SOURCE = key("source");

	private static final byte[] K_DESTINATION = key("destination");

	private static final byte[] K_TOPIC = key("topic");

	private static final byte[] K_PAYLOAD = key("payload");

	private static final byte[] PING_FRAME = frame(new CborWriter(16).skip(PREFIX).text("Ping"));

	private static final byte[] PONG_FRAME = frame(new CborWriter(16).skip(PREFIX).text("Pong"));

	private FrameEncoder() {
	}

	/** Encodes any frame, length prefix included. */
	static byte[] encode(Frame frame) {
		if (frame instanceof Frame.Message m) {
			return message(EndpointCache.endpointBytes(m.destination()), m.topic(), m.payload());
		}
		if (frame instanceof Frame.Deliver d) {
			return deliver(EndpointCache.sourceBytes(d.source()), EndpointCache.endpointBytes(d.destination()),
					d.topic(), d.payload());
		}
		if (frame instanceof Frame.Ping) {
			return ping();
		}
		if (frame instanceof Frame.Pong) {
			return pong();
		}
		if (frame instanceof Frame.Bind b) {
			return bind(b.id(), EndpointCache.sourceBytes(b.source()));
		}
		CborWriter w = new CborWriter(64).skip(PREFIX).head(CborWriter.MAP, 1);
		if (frame instanceof Frame.Hello h) {
			w.raw(K_HELLO).head(CborWriter.MAP, 2).raw(K_VERSIONS).head(CborWriter.ARRAY, h.versions().size());
			for (int v : h.versions()) {
				w.head(CborWriter.UNSIGNED, v);
			}
			w.raw(K_ENDPOINT).raw(EndpointCache.endpointBytes(h.endpoint()));
		}
		else if (frame instanceof Frame.Welcome wl) {
			w.raw(K_WELCOME).head(CborWriter.MAP, 3).raw(K_VERSION).head(CborWriter.UNSIGNED, wl.version());
			w.raw(K_HOST).raw(EndpointCache.endpointBytes(wl.host()));
			w.raw(K_PEERS).head(CborWriter.ARRAY, wl.peers().size());
			for (Endpoint peer : wl.peers()) {
				w.raw(EndpointCache.endpointBytes(peer));
			}
		}
		else if (frame instanceof Frame.Rejected r) {
			w.raw(K_REJECTED).head(CborWriter.MAP, 2).raw(K_REASON).text(r.reason()).raw(K_DETAIL).text(r.detail());
		}
		else if (frame instanceof Frame.Subscriptions sub) {
			w.raw(K_SUBSCRIPTIONS).head(CborWriter.MAP, 1).raw(K_TOPICS);
			topics(w, sub.topics());
		}
		else if (frame instanceof Frame.Subscribers sub) {
			w.raw(K_SUBSCRIBERS).head(CborWriter.MAP, 2).raw(K_ENDPOINT);
			w.raw(EndpointCache.endpointBytes(sub.endpoint())).raw(K_TOPICS);
			topics(w, sub.topics());
		}
		else if (frame instanceof Frame.PeerJoined j) {
			w.raw(K_PEER_JOINED).raw(EndpointCache.endpointBytes(j.endpoint()));
		}
		else {
			w.raw(K_PEER_LEFT).raw(EndpointCache.endpointBytes(((Frame.PeerLeft) frame).endpoint()));
		}
		return frame(w);
	}

	private static void topics(CborWriter w, List<String> topics) {
		w.head(CborWriter.ARRAY, topics.size());
		for (String topic : topics) {
			w.text(topic);
		}
	}

	/** A {@code Bind} frame from a pre-encoded source. */
	static byte[] bind(int id, byte[] source) {
		CborWriter w = new CborWriter(PREFIX + 16 + source.length).skip(PREFIX);
		w.head(CborWriter.MAP, 1).raw(K_BIND).head(CborWriter.MAP, 2);
		w.raw(K_ID).head(CborWriter.UNSIGNED, id).raw(K_SOURCE).raw(source);
		return frame(w);
	}

	/** The {@code Ping} frame, length prefix included. */
	static byte[] ping() {
		return PING_FRAME.clone();
	}

	/** The {@code Pong} frame, length prefix included. */
	static byte[] pong() {
		return PONG_FRAME.clone();
	}

	/** A {@code Message} frame from pre-encoded parts, in one exactly sized array. */
	static byte[] message(byte[] destination, @Nullable String topic, byte[] payload) {
		byte[] topicBytes = (topic != null) ? topic.getBytes(StandardCharsets.UTF_8) : null;
		CborWriter w = new CborWriter(PREFIX + messageBodyLength(destination, topicBytes, payload.length));
		w.skip(PREFIX).head(CborWriter.MAP, 1).raw(K_MESSAGE).head(CborWriter.MAP, 3);
		w.raw(K_DESTINATION).raw(destination).raw(K_TOPIC);
		topic(w, topicBytes);
		w.raw(K_PAYLOAD).bytes(payload, 0, payload.length);
		return frame(w);
	}

	/** The body length {@link #message} would produce, without building it. */
	static int messageBodyLength(byte[] destination, @Nullable String topic, int payloadLength) {
		return messageBodyLength(destination, (topic != null) ? topic.getBytes(StandardCharsets.UTF_8) : null,
				payloadLength);
	}

	private static int messageBodyLength(byte[] destination, byte @Nullable [] topic, int payloadLength) {
		return 1 + K_MESSAGE.length + 1 + K_DESTINATION.length + destination.length + K_TOPIC.length + topicSize(topic)
				+ K_PAYLOAD.length + CborWriter.headSize(payloadLength) + payloadLength;
	}

	/** A {@code Deliver} frame from pre-encoded parts, in one exactly sized array. */
	static byte[] deliver(byte[] source, byte[] destination, @Nullable String topic, byte[] payload) {
		byte[] topicBytes = (topic != null) ? topic.getBytes(StandardCharsets.UTF_8) : null;
		int size = 1 + K_DELIVER.length + 1 + K_SOURCE.length + source.length + K_DESTINATION.length
				+ destination.length + K_TOPIC.length + topicSize(topicBytes) + K_PAYLOAD.length
				+ CborWriter.headSize(payload.length) + payload.length;
		CborWriter w = new CborWriter(PREFIX + size).skip(PREFIX);
		w.head(CborWriter.MAP, 1).raw(K_DELIVER).head(CborWriter.MAP, 4);
		w.raw(K_SOURCE).raw(source).raw(K_DESTINATION).raw(destination).raw(K_TOPIC);
		topic(w, topicBytes);
		w.raw(K_PAYLOAD).bytes(payload, 0, payload.length);
		return frame(w);
	}

	private static void topic(CborWriter w, byte @Nullable [] utf8) {
		if (utf8 == null) {
			w.nul();
		}
		else {
			w.text(utf8);
		}
	}

	private static int topicSize(byte @Nullable [] topic) {
		return (topic == null) ? 1 : CborWriter.headSize(topic.length) + topic.length;
	}

	/** Fills in the length prefix and returns the frame. */
	private static byte[] frame(CborWriter w) {
		w.putInt(0, w.position() - PREFIX);
		return w.toByteArray();
	}

	/** The encoding of a text string (a map key or variant name). */
	private static byte[] key(String s) {
		return new CborWriter(16).text(s).toByteArray();
	}

}
