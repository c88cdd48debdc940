package dev.ipc.crypto.noise;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * The header at the start of a fragment's plaintext (inside the encryption; see
 * {@code docs/crypto-protocol.md}). All integers big-endian:
 *
 * <pre>
 *   every fragment: version u8 (1) | message id u32 | index u32
 *   index 0 adds:   total length u32 | topic length u16 (0xFFFF: no topic) | topic UTF-8
 *   then:           the fragment's slice of the payload
 * </pre>
 *
 * A fragment travels with the clear topic {@link #TOPIC}; the real topic is only in
 * fragment 0's encrypted header. Immutable.
 *
 * @param messageId the sender's number for the message (per peer)
 * @param index the fragment's position, 0 first
 * @param total the payload length (fragment 0 only, else 0)
 * @param topic the real topic (fragment 0 only)
 * @param dataOffset where the payload slice starts in the plaintext
 */
record FragmentHeader(int messageId, int index, int total, @Nullable String topic, int dataOffset) {

	/** The clear topic of every fragment; reserved (not for applications). */
	static final String TOPIC = dev.ipc.model.Topics.FRAGMENT;

	static final byte VERSION = 1;

	/** Header length of fragments after the first. */
	static final int LENGTH = 9;

	/** Fixed header length of fragment 0, before its topic. */
	static final int FIRST_LENGTH = LENGTH + 6;

	/** Longest topic (UTF-8 bytes) of a fragmented message. */
	static final int MAX_TOPIC_BYTES = 4096;

	private static final int NO_TOPIC = 0xFFFF;

	/** Writes fragment 0's header into {@code buffer}; returns its length. */
	static int writeFirst(byte[] buffer, int messageId, int total, byte @Nullable [] topic) {
		ByteBuffer out = ByteBuffer.wrap(buffer);
		out.put(VERSION).putInt(messageId).putInt(0).putInt(total);
		if (topic == null) {
			out.putShort((short) NO_TOPIC);
		}
		else {
			out.putShort((short) topic.length).put(topic);
		}
		return out.position();
	}

	/** Writes a later fragment's header into {@code buffer}; returns its length. */
	static int writeNext(byte[] buffer, int messageId, int index) {
		ByteBuffer.wrap(buffer).put(VERSION).putInt(messageId).putInt(index);
		return LENGTH;
	}

	/** The header of {@code plaintext}, or {@code null} if it is not a valid one. */
	static @Nullable FragmentHeader parse(byte[] plaintext) {
		if (plaintext.length < LENGTH || plaintext[0] != VERSION) {
			return null;
		}
		ByteBuffer in = ByteBuffer.wrap(plaintext);
		in.get();
		int id = in.getInt();
		int index = in.getInt();
		if (index < 0) {
			return null;
		}
		if (index > 0) {
			return new FragmentHeader(id, index, 0, null, LENGTH);
		}
		if (plaintext.length < FIRST_LENGTH) {
			return null;
		}
		int total = in.getInt();
		int topicLength = in.getShort() & 0xFFFF;
		if (total <= 0) {
			return null;
		}
		if (topicLength == NO_TOPIC) {
			return new FragmentHeader(id, 0, total, null, FIRST_LENGTH);
		}
		if (topicLength > MAX_TOPIC_BYTES || plaintext.length < FIRST_LENGTH + topicLength) {
			return null;
		}
		try {
			String topic = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(plaintext, FIRST_LENGTH, topicLength))
				.toString();
			return new FragmentHeader(id, 0, total, topic, FIRST_LENGTH + topicLength);
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

}
