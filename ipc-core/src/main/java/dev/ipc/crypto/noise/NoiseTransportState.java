package dev.ipc.crypto.noise;

import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.crypto.noise.NoiseTransportException.Reason;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import org.jspecify.annotations.Nullable;

/**
 * One peer's transport session after a handshake, field for field the reference's
 * {@code PersistentTransportState}: cipher, 32-byte send and receive keys, send and
 * receive nonces and the Unix time (seconds) of the handshake. Nonces and the time are
 * unsigned 64-bit values held in {@code long}s.
 *
 * <p>
 * {@link #encrypt(byte[])} numbers frames 1, 2, 3, ... (never 0, never wrapping);
 * {@link #decrypt(long, byte[])} accepts only nonces above the last accepted one (gaps
 * allowed) and leaves the state unchanged on any rejection. Transport AEAD calls use
 * empty associated data.
 *
 * <p>
 * Mutable and not thread-safe: the owner of the peer's lock uses it. {@link #close()}
 * zeroes the keys, after which every operation throws {@link IllegalStateException}.
 * {@link #toString()} never shows the keys.
 */
public final class NoiseTransportState implements AutoCloseable {

	/** Key length of both transport ciphers. */
	public static final int KEY_LENGTH = 32;

	/**
	 * Largest ciphertext (including the 16-byte tag) accepted on receive: the reference's
	 * 65535-byte buffer.
	 */
	public static final int MAX_CIPHERTEXT_LENGTH = NoiseHandshake.MAX_MESSAGE_LENGTH;

	/** Largest plaintext {@link #encrypt(byte[])} accepts: 65535 - 16 = 65519 bytes. */
	public static final int MAX_PLAINTEXT_LENGTH = MAX_CIPHERTEXT_LENGTH - NoiseCipher.TAG_LENGTH;

	private static final byte[] EMPTY = new byte[0];

	private final TransportCipher transportCipher;

	private final byte[] sendKey;

	private final byte[] receiveKey;

	/**
	 * The cipher's prepared form of the keys (one per session, not one per message); made
	 * on first use.
	 */
	private @Nullable Object sendKeyPrepared;

	private @Nullable Object receiveKeyPrepared;

	private long sendNonce;

	private long receiveNonce;

	private final long lastHandshakeTime;

	private boolean destroyed;

	/**
	 * Creates a state from its fields; the keys are copied.
	 * @throws IllegalArgumentException if a key is not 32 bytes
	 */
	public NoiseTransportState(TransportCipher transportCipher, byte[] sendKey, byte[] receiveKey, long sendNonce,
			long receiveNonce, long lastHandshakeTime) {
		this.transportCipher = Objects.requireNonNull(transportCipher, "transportCipher");
		this.sendKey = checkKey(sendKey, "sendKey");
		this.receiveKey = checkKey(receiveKey, "receiveKey");
		this.sendNonce = sendNonce;
		this.receiveNonce = receiveNonce;
		this.lastHandshakeTime = lastHandshakeTime;
	}

	/**
	 * The fresh state (nonces 0/0) for one side of a completed handshake: the initiator
	 * sends with {@code i2r} and receives with {@code r2i}, the responder the other way
	 * round.
	 */
	public static NoiseTransportState fromSplit(NoiseSplit split, boolean initiator, TransportCipher cipher,
			long nowSecs) {
		byte[] i2r = split.i2r();
		byte[] r2i = split.r2i();
		try {
			return initiator ? new NoiseTransportState(cipher, i2r, r2i, 0, 0, nowSecs)
					: new NoiseTransportState(cipher, r2i, i2r, 0, 0, nowSecs);
		}
		finally {
			Arrays.fill(i2r, (byte) 0);
			Arrays.fill(r2i, (byte) 0);
		}
	}

	/**
	 * Encrypts one message with the next send nonce and returns the frame to send.
	 * @throws IllegalArgumentException if {@code plaintext} is longer than
	 * {@link #MAX_PLAINTEXT_LENGTH}
	 * @throws IllegalStateException if the send nonce is exhausted (2^64 - 1 already
	 * used) or the state is closed
	 */
	public TransportFrame encrypt(byte[] plaintext) {
		checkLive();
		if (plaintext.length > MAX_PLAINTEXT_LENGTH) {
			throw new IllegalArgumentException("plaintext is " + plaintext.length + " bytes; the Noise transport "
					+ "limit is " + MAX_PLAINTEXT_LENGTH + " bytes per message");
		}
		if (sendNonce == -1L) {
			throw new IllegalStateException("send nonce exhausted; a new handshake is required");
		}
		long nonce = sendNonce + 1;
		if (sendKeyPrepared == null) {
			sendKeyPrepared = transportCipher.aead().prepare(sendKey);
		}
		byte[] ciphertext = transportCipher.aead().encrypt(sendKeyPrepared, nonce, EMPTY, plaintext);
		sendNonce = nonce;
		return new TransportFrame(ciphertext, nonce);
	}

	/**
	 * {@link #encrypt(byte[])} of the plaintext {@code head[0, headLength) ‖
	 * body[bodyOffset, +bodyLength)}, written into {@code out} at {@code outOffset}
	 * ({@code headLength + bodyLength + 16} bytes) instead of a new array: the send path
	 * of large messages, which puts each fragment's ciphertext straight into its frame.
	 * @return the nonce used
	 * @throws IllegalArgumentException if the plaintext is longer than
	 * {@link #MAX_PLAINTEXT_LENGTH}
	 * @throws IllegalStateException if the send nonce is exhausted or the state is closed
	 */
	long encryptInto(byte[] head, int headLength, byte[] body, int bodyOffset, int bodyLength, byte[] out,
			int outOffset) {
		checkLive();
		if (headLength + bodyLength > MAX_PLAINTEXT_LENGTH) {
			throw new IllegalArgumentException("plaintext is " + (headLength + bodyLength)
					+ " bytes; the Noise transport limit is " + MAX_PLAINTEXT_LENGTH + " bytes per message");
		}
		if (sendNonce == -1L) {
			throw new IllegalStateException("send nonce exhausted; a new handshake is required");
		}
		long nonce = sendNonce + 1;
		if (sendKeyPrepared == null) {
			sendKeyPrepared = transportCipher.aead().prepare(sendKey);
		}
		transportCipher.aead()
			.encryptInto(sendKeyPrepared, nonce, EMPTY, head, headLength, body, bodyOffset, bodyLength, out, outOffset);
		sendNonce = nonce;
		return nonce;
	}

	/**
	 * Decrypts a received frame; on success its nonce becomes the receive nonce.
	 * @param nonce the frame's nonce (unsigned)
	 * @param ciphertext ciphertext followed by the 16-byte tag
	 * @return the plaintext
	 * @throws NoiseTransportException if the frame is replayed, too short, too long or
	 * fails authentication; the state is then unchanged
	 * @throws IllegalStateException if the state is closed
	 */
	public byte[] decrypt(long nonce, byte[] ciphertext) throws NoiseTransportException {
		return decrypt(nonce, ciphertext, 0, ciphertext.length);
	}

	/**
	 * {@link #decrypt(long, byte[])} of the {@code length} bytes of {@code input} from
	 * {@code offset} (ciphertext and tag), read where they lie (a received frame's
	 * ciphertext, not copied out first).
	 * @throws NoiseTransportException if the frame is replayed, too short, too long or
	 * fails authentication; the state is then unchanged
	 * @throws IndexOutOfBoundsException if the range is not within {@code input}
	 */
	public byte[] decrypt(long nonce, byte[] input, int offset, int length) throws NoiseTransportException {
		checkLive();
		Objects.checkFromIndexSize(offset, length, input.length);
		if (length < NoiseCipher.TAG_LENGTH) {
			throw new NoiseTransportException(Reason.MALFORMED,
					"ciphertext is " + length + " bytes, shorter than the " + NoiseCipher.TAG_LENGTH + "-byte tag");
		}
		if (length > MAX_CIPHERTEXT_LENGTH) {
			throw new NoiseTransportException(Reason.OVERSIZED,
					"ciphertext is " + length + " bytes, over the " + MAX_CIPHERTEXT_LENGTH + "-byte limit");
		}
		if (Long.compareUnsigned(nonce, receiveNonce) <= 0) {
			throw new NoiseTransportException(Reason.REPLAYED, "nonce " + Long.toUnsignedString(nonce)
					+ " is not above the last accepted nonce " + Long.toUnsignedString(receiveNonce));
		}
		byte[] plaintext;
		try {
			if (receiveKeyPrepared == null) {
				receiveKeyPrepared = transportCipher.aead().prepare(receiveKey);
			}
			plaintext = transportCipher.aead().decrypt(receiveKeyPrepared, nonce, EMPTY, input, offset, length);
		}
		catch (AEADBadTagException e) {
			throw new NoiseTransportException(Reason.DECRYPT_FAILED, "transport frame failed authentication");
		}
		receiveNonce = nonce;
		return plaintext;
	}

	/**
	 * Whether the handshake is more than {@code maxAgeSecs} old at {@code nowSecs}:
	 * saturating {@code now - lastHandshakeTime > maxAge} (a clock that went backwards
	 * means "not older").
	 */
	public boolean isOlderThan(long nowSecs, long maxAgeSecs) {
		long age = Long.compareUnsigned(nowSecs, lastHandshakeTime) > 0 ? nowSecs - lastHandshakeTime : 0;
		return Long.compareUnsigned(age, maxAgeSecs) > 0;
	}

	/**
	 * An independent copy (including key copies), e.g. to persist or to try an operation
	 * on.
	 */
	public NoiseTransportState copy() {
		checkLive();
		return new NoiseTransportState(transportCipher, sendKey, receiveKey, sendNonce, receiveNonce,
				lastHandshakeTime);
	}

	/** The transport cipher. */
	public TransportCipher transportCipher() {
		return transportCipher;
	}

	/** A copy of the send key. */
	public byte[] sendKey() {
		checkLive();
		return sendKey.clone();
	}

	/** A copy of the receive key. */
	public byte[] receiveKey() {
		checkLive();
		return receiveKey.clone();
	}

	/** The last nonce sent (0 before the first message), unsigned. */
	public long sendNonce() {
		return sendNonce;
	}

	/** The last nonce accepted (0 before the first message), unsigned. */
	public long receiveNonce() {
		return receiveNonce;
	}

	/** Unix time in seconds when the keys were derived, unsigned. */
	public long lastHandshakeTime() {
		return lastHandshakeTime;
	}

	/** Whether {@link #close()} has been called. */
	public boolean isDestroyed() {
		return destroyed;
	}

	/** Zeroes both keys. Idempotent. */
	@Override
	public void close() {
		Arrays.fill(sendKey, (byte) 0);
		Arrays.fill(receiveKey, (byte) 0);
		wipe(sendKeyPrepared);
		wipe(receiveKeyPrepared);
		sendKeyPrepared = null;
		receiveKeyPrepared = null;
		destroyed = true;
	}

	/**
	 * Zeroes a prepared key where it is ours to zero (a byte copy; the JDK's key spec
	 * cannot be wiped).
	 */
	private static void wipe(@Nullable Object prepared) {
		if (prepared instanceof byte[] bytes) {
			Arrays.fill(bytes, (byte) 0);
		}
	}

	private void checkLive() {
		if (destroyed) {
			throw new IllegalStateException("transport state has been closed");
		}
	}

	private static byte[] checkKey(byte[] key, String name) {
		if (key.length != KEY_LENGTH) {
			throw new IllegalArgumentException(name + " must be " + KEY_LENGTH + " bytes, got " + key.length);
		}
		return key.clone();
	}

	@Override
	public String toString() {
		return "NoiseTransportState[transportCipher=" + transportCipher.wireName()
				+ ", sendKey=<redacted>, receiveKey=<redacted>, sendNonce=" + Long.toUnsignedString(sendNonce)
				+ ", receiveNonce=" + Long.toUnsignedString(receiveNonce) + ", lastHandshakeTime="
				+ Long.toUnsignedString(lastHandshakeTime) + (destroyed ? ", destroyed" : "") + "]";
	}

}
