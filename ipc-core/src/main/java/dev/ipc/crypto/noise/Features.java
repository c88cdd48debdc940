package dev.ipc.crypto.noise;

import java.nio.ByteBuffer;

import org.jspecify.annotations.Nullable;

/**
 * What a Java peer of this framework can do beyond the reference protocol, as exchanged
 * in the handshake (see {@code docs/crypto-protocol.md}, "Large messages"): the initiator
 * adds it under the key {@value #START_KEY} of its {@code HandshakeStart} (a key a
 * Bitwarden decoder ignores), a Java responder that sees it answers with its own in the
 * encrypted payload of handshake message 2 (which a Bitwarden responder leaves empty).
 * Both sides thus learn the other's features only from a Java peer, and never send
 * anything new toward a Bitwarden one.
 *
 * <p>
 * Encoding: one format byte {@code 0x01}, a 32-bit big-endian flag set, a 32-bit
 * big-endian largest message size the sender of the features accepts. Unknown flags and
 * trailing bytes are ignored (later versions may append); anything shorter or with
 * another format byte means "no features". Immutable.
 *
 * @param flags the feature bits ({@link #FRAGMENTATION})
 * @param maxMessageSize the largest application payload the advertising side accepts
 */
record Features(int flags, int maxMessageSize) {

	/** The key of the extension in the {@code HandshakeStart} map. */
	static final String START_KEY = "ipc_ext";

	/** Large messages travel as several transport frames (fragments). */
	static final int FRAGMENTATION = 1;

	/** A peer that advertised nothing (a Bitwarden peer, an older Java peer). */
	static final Features NONE = new Features(0, 0);

	private static final byte FORMAT = 1;

	private static final int LENGTH = 9;

	/** What a provider accepting messages up to {@code maxMessageSize} advertises. */
	static Features local(int maxMessageSize) {
		return maxMessageSize > NoiseTransportState.MAX_PLAINTEXT_LENGTH ? new Features(FRAGMENTATION, maxMessageSize)
				: NONE;
	}

	/** Whether there is anything to advertise. */
	boolean isEmpty() {
		return flags == 0;
	}

	byte[] encode() {
		return ByteBuffer.allocate(LENGTH).put(FORMAT).putInt(flags).putInt(maxMessageSize).array();
	}

	/** The features in {@code bytes}; {@link #NONE} for null, empty or unknown input. */
	static Features decode(byte @Nullable [] bytes) {
		if (bytes == null || bytes.length < LENGTH || bytes[0] != FORMAT) {
			return NONE;
		}
		ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, LENGTH - 1);
		int flags = buffer.getInt();
		int max = buffer.getInt();
		if (max <= 0) {
			return NONE;
		}
		return new Features(flags, max);
	}

	/**
	 * The largest message the peer accepts in fragments when both sides support
	 * fragmentation, else 0 (one transport frame per message, as the reference).
	 */
	static int fragmentLimit(Features ours, Features theirs) {
		if ((ours.flags & FRAGMENTATION) == 0 || (theirs.flags & FRAGMENTATION) == 0) {
			return 0;
		}
		return theirs.maxMessageSize;
	}

}
