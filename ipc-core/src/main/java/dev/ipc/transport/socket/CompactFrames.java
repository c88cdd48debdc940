package dev.ipc.transport.socket;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The compact data frames of protocol version 2 ({@code docs/transport-protocol.md} §12):
 * a {@code Message} or {@code Deliver} with a binary header instead of CBOR, naming
 * endpoints by the small ids the host assigned with {@code Bind}. The body (after the
 * usual 4-byte length prefix) is: one type byte ({@link #MESSAGE}, {@link #DELIVER}, and
 * from version 3 {@link #PUBLISH} and {@link #PUBLISHED}; a CBOR frame never starts with
 * any of them), the endpoint id as an unsigned LEB128 varint (at most 5 bytes, at most
 * {@link Integer#MAX_VALUE}), the topic as a varint of its UTF-8 length plus one (0: no
 * topic) and its bytes, then the payload, unchanged, to the end of the frame. Decoding
 * checks every field against the frame's end and fails with {@link FrameCodecException};
 * it never allocates more than the frame holds, and leaves the payload where it lies
 * ({@link Data}).
 */
final class CompactFrames {

	/**
	 * Type byte of a compact {@code Message} (peer to host): the id names the
	 * destination.
	 */
	static final byte MESSAGE = 0x01;

	/**
	 * Type byte of a compact {@code Deliver} (host to peer): the id names the source; the
	 * destination is the peer.
	 */
	static final byte DELIVER = 0x02;

	/**
	 * Type byte of a compact {@code Publish} (peer to host, version 3): one copy of a
	 * publication; the id names its recipient, which must subscribe to the topic.
	 */
	static final byte PUBLISH = 0x03;

	/**
	 * Type byte of a compact {@code Published} (host to peer, version 3): a copy of a
	 * publication; the id names its source; the destination is the peer.
	 */
	static final byte PUBLISHED = 0x04;

	/**
	 * A decoded compact frame: {@code id} is the destination of a message or the source
	 * of a delivery. The payload stays where it was received until {@link #payload()}
	 * copies it out (once): a frame decoded from the I/O loop's shared read buffer is a
	 * view into it, valid only while the frame is being handled, so a {@code Data} must
	 * not outlive that call; {@link CompactFrames#relay} re-frames the payload straight
	 * from the view.
	 */
	static final class Data {

		private final byte type;

		private final int id;

		private final @Nullable String topic;

		private final byte[] array;

		private final int offset;

		private final int length;

		private byte @Nullable [] copy;

		/** A frame with its own payload. */
		Data(byte type, int id, @Nullable String topic, byte[] payload) {
			this(type, id, topic, payload, 0, payload.length);
			this.copy = payload;
		}

		private Data(byte type, int id, @Nullable String topic, byte[] array, int offset, int length) {
			this.type = type;
			this.id = id;
			this.topic = topic;
			this.array = array;
			this.offset = offset;
			this.length = length;
		}

		byte type() {
			return type;
		}

		int id() {
			return id;
		}

		@Nullable String topic() {
			return topic;
		}

		/** The payload, copied out of the received frame on the first call. */
		byte[] payload() {
			byte[] p = copy;
			if (p == null) {
				p = Arrays.copyOfRange(array, offset, offset + length);
				copy = p;
			}
			return p;
		}

		/** The payload's length. */
		int payloadLength() {
			return length;
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof Data d && type == d.type && id == d.id && Objects.equals(topic, d.topic)
					&& Arrays.equals(array, offset, offset + length, d.array, d.offset, d.offset + d.length);
		}

		@Override
		public int hashCode() {
			return Objects.hash(type, id, topic, Arrays.hashCode(payload()));
		}

		@Override
		public String toString() {
			return "Data[type=" + type + ", id=" + id + ", topic=" + topic + ", payload=" + length + " bytes]";
		}

	}

	private CompactFrames() {
	}

	/** Whether a frame body is a compact frame (rather than CBOR). */
	static boolean isCompact(byte[] buf, int offset, int length) {
		return length > 0 && buf[offset] >= MESSAGE && buf[offset] <= PUBLISHED;
	}

	/** A compact frame, length prefix included, in one exactly sized array. */
	static byte[] encode(byte type, int id, @Nullable String topic, byte[] payload) {
		return encode(type, id, topic, payload, 0, payload.length);
	}

	/**
	 * A compact frame of {@code type} carrying a received frame's topic and payload, the
	 * payload copied once, straight from where it was received (the host relaying a
	 * message).
	 */
	static byte[] relay(byte type, int id, Data data) {
		return encode(type, id, data.topic, data.array, data.offset, data.length);
	}

	private static byte[] encode(byte type, int id, @Nullable String topic, byte[] payload, int offset, int length) {
		byte[] topicBytes = (topic != null) ? topic.getBytes(StandardCharsets.UTF_8) : null;
		int topicField = (topicBytes != null) ? topicBytes.length + 1 : 0;
		int body = 1 + varintSize(id) + varintSize(topicField) + ((topicBytes != null) ? topicBytes.length : 0)
				+ length;
		byte[] out = new byte[FrameCodec.LENGTH_PREFIX + body];
		ByteBuffer b = ByteBuffer.wrap(out);
		b.putInt(body);
		b.put(type);
		putVarint(b, id);
		putVarint(b, topicField);
		if (topicBytes != null) {
			b.put(topicBytes);
		}
		b.put(payload, offset, length);
		return out;
	}

	/** Decodes a compact frame body (without its prefix). */
	static Data decode(byte[] buf, int offset, int length) throws FrameCodecException {
		int end = offset + length;
		if (length < 3) {
			throw new FrameCodecException("compact frame too short");
		}
		byte type = buf[offset];
		if (type < MESSAGE || type > PUBLISHED) {
			throw new FrameCodecException("unknown compact frame type " + (type & 0xFF));
		}
		int[] at = { offset + 1 };
		int id = varint(buf, at, end, "endpoint id");
		int topicField = varint(buf, at, end, "topic length");
		String topic = null;
		if (topicField > 0) {
			int topicLength = topicField - 1;
			if (topicLength > end - at[0]) {
				throw new FrameCodecException("compact frame topic runs past the frame");
			}
			try {
				topic = StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(ByteBuffer.wrap(buf, at[0], topicLength))
					.toString();
			}
			catch (CharacterCodingException ex) {
				throw new FrameCodecException("compact frame topic is not UTF-8");
			}
			at[0] += topicLength;
		}
		return new Data(type, id, topic, buf, at[0], end - at[0]);
	}

	/**
	 * Reads an unsigned LEB128 varint of at most 5 bytes and 31 bits, advancing
	 * {@code at[0]}.
	 */
	private static int varint(byte[] buf, int[] at, int end, String field) throws FrameCodecException {
		long value = 0;
		for (int i = 0; i < 5; i++) {
			if (at[0] >= end) {
				throw new FrameCodecException("compact frame " + field + " runs past the frame");
			}
			int b = buf[at[0]++] & 0xFF;
			value |= (long) (b & 0x7F) << (7 * i);
			if ((b & 0x80) == 0) {
				if (value > Integer.MAX_VALUE) {
					throw new FrameCodecException("compact frame " + field + " out of range");
				}
				return (int) value;
			}
		}
		throw new FrameCodecException("compact frame " + field + " longer than 5 bytes");
	}

	static int varintSize(int value) {
		int size = 1;
		while ((value >>>= 7) != 0) {
			size++;
		}
		return size;
	}

	private static void putVarint(ByteBuffer b, int value) {
		int v = value;
		while ((v & ~0x7F) != 0) {
			b.put((byte) ((v & 0x7F) | 0x80));
			v >>>= 7;
		}
		b.put((byte) v);
	}

}
