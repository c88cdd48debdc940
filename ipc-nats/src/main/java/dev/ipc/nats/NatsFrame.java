package dev.ipc.nats;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * The body of a NATS message (docs/nats.md §3). A message: version {@code 1}, kind
 * {@code 0} (no topic) or {@code 1} (topic: a big-endian {@code u16} length,
 * 1-{@value #MAX_TOPIC_BYTES} bytes of UTF-8), then the payload (ciphertext under Noise).
 * A presence notice: version {@code 1}, kind {@code 2} HELLO, {@code 3} HERE or {@code 4}
 * BYE, then the sender's instance id and connection epoch (two big-endian {@code i64}).
 * Decoding never throws: {@code null} means malformed.
 */
final class NatsFrame {

	static final byte VERSION = 1;

	static final byte NO_TOPIC = 0;

	static final byte WITH_TOPIC = 1;

	static final byte HELLO = 2;

	static final byte HERE = 3;

	static final byte BYE = 4;

	/**
	 * A message body (as {@link #WITH_TOPIC}) that is one copy of a publication; older
	 * members drop it as malformed, but they never announce subscriptions, so none is
	 * sent to them.
	 */
	static final byte PUBLISHED = 5;

	/** A subscription announcement: a count (2 bytes) and that many topics. */
	static final byte SUBSCRIPTIONS = 6;

	static final int MAX_TOPIC_BYTES = 1024;

	static final int PRESENCE_LENGTH = 18;

	private NatsFrame() {
	}

	/** A decoded message body. */
	record Body(@Nullable String topic, byte[] payload, boolean published) {
	}

	/** A decoded presence notice. */
	record Presence(byte kind, long instance, long epoch) {
	}

	static byte[] encode(@Nullable String topic, byte[] payload) {
		return encode(topic, payload, false);
	}

	/** A message body; {@code published} needs a topic. */
	static byte[] encode(@Nullable String topic, byte[] payload, boolean published) {
		if (topic == null) {
			byte[] out = new byte[2 + payload.length];
			out[0] = VERSION;
			out[1] = NO_TOPIC;
			System.arraycopy(payload, 0, out, 2, payload.length);
			return out;
		}
		byte[] t = topic.getBytes(StandardCharsets.UTF_8);
		if (t.length == 0 || t.length > MAX_TOPIC_BYTES) {
			throw new IllegalArgumentException(
					"A topic must be 1-" + MAX_TOPIC_BYTES + " bytes of UTF-8 on NATS, got " + t.length);
		}
		byte[] out = new byte[4 + t.length + payload.length];
		out[0] = VERSION;
		out[1] = published ? PUBLISHED : WITH_TOPIC;
		out[2] = (byte) (t.length >>> 8);
		out[3] = (byte) t.length;
		System.arraycopy(t, 0, out, 4, t.length);
		System.arraycopy(payload, 0, out, 4 + t.length, payload.length);
		return out;
	}

	static @Nullable Body decode(byte[] data) {
		if (data.length < 2 || data[0] != VERSION) {
			return null;
		}
		if (data[1] == NO_TOPIC) {
			return new Body(null, Arrays.copyOfRange(data, 2, data.length), false);
		}
		if ((data[1] != WITH_TOPIC && data[1] != PUBLISHED) || data.length < 4) {
			return null;
		}
		int length = ((data[2] & 0xff) << 8) | (data[3] & 0xff);
		if (length == 0 || length > MAX_TOPIC_BYTES || 4 + length > data.length) {
			return null;
		}
		String topic;
		try {
			topic = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(data, 4, length))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
		return new Body(topic, Arrays.copyOfRange(data, 4 + length, data.length), data[1] == PUBLISHED);
	}

	/** A subscription announcement (topics within the limits of the table). */
	static byte[] subscriptions(java.util.Collection<String> topics) {
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		out.write(VERSION);
		out.write(SUBSCRIPTIONS);
		out.write(topics.size() >>> 8);
		out.write(topics.size());
		for (String topic : topics) {
			byte[] t = topic.getBytes(StandardCharsets.UTF_8);
			out.write(t.length >>> 8);
			out.write(t.length);
			out.writeBytes(t);
		}
		return out.toByteArray();
	}

	/**
	 * Decodes an announcement: its topics, or {@code null} if malformed or past the
	 * limits (at most {@code maxTopics}, each 1-{@link #MAX_TOPIC_BYTES} bytes).
	 */
	static java.util.@Nullable Set<String> decodeSubscriptions(byte[] data, int maxTopics) {
		if (data.length < 4 || data[0] != VERSION || data[1] != SUBSCRIPTIONS) {
			return null;
		}
		int count = ((data[2] & 0xff) << 8) | (data[3] & 0xff);
		if (count > maxTopics) {
			return null;
		}
		java.util.Set<String> topics = new java.util.HashSet<>();
		int at = 4;
		for (int i = 0; i < count; i++) {
			if (at + 2 > data.length) {
				return null;
			}
			int length = ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff);
			at += 2;
			if (length == 0 || length > MAX_TOPIC_BYTES || at + length > data.length) {
				return null;
			}
			try {
				topics.add(StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(ByteBuffer.wrap(data, at, length))
					.toString());
			}
			catch (CharacterCodingException ex) {
				return null;
			}
			at += length;
		}
		return (at == data.length && topics.size() == count) ? topics : null;
	}

	static byte[] presence(byte kind, long instance, long epoch) {
		return ByteBuffer.allocate(PRESENCE_LENGTH).put(VERSION).put(kind).putLong(instance).putLong(epoch).array();
	}

	static @Nullable Presence decodePresence(byte[] data) {
		if (data.length != PRESENCE_LENGTH || data[0] != VERSION || data[1] < HELLO || data[1] > BYE) {
			return null;
		}
		ByteBuffer buffer = ByteBuffer.wrap(data, 2, 16);
		long instance = buffer.getLong();
		long epoch = buffer.getLong();
		return (instance == 0) ? null : new Presence(data[1], instance, epoch);
	}

}
