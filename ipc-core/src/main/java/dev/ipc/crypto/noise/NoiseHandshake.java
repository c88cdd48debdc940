package dev.ipc.crypto.noise;

import java.security.PublicKey;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One side of a Noise NN handshake ({@code -> e}, {@code <- e, ee}) with an empty
 * prologue and empty payloads, as the IPC protocol runs it.
 *
 * <p>
 * Initiator: {@link #writeMessage()} (message 1), then {@link #readMessage(byte[])}
 * (message 2). Responder: {@link #readMessage(byte[])} (message 1), then
 * {@link #writeMessage()} (message 2). Afterwards {@link #split()} gives the transport
 * keys and {@link #handshakeHash()} the transcript hash for optional out-of-band channel
 * binding. Message 1 is 65 bytes for P-256 and 32 for 25519; message 2 is 81 and 48.
 *
 * <p>
 * Failures: a malformed, invalid or unauthenticated peer message throws
 * {@link NoiseProtocolException} and leaves this object failed; calling a method out of
 * turn throws {@link IllegalStateException}. Ephemeral keys come from the JDK's
 * {@code SecureRandom}. Not thread-safe; {@link #close()} zeroes the chaining key and
 * hashes.
 */
public final class NoiseHandshake implements AutoCloseable {

	/**
	 * Largest handshake message accepted or produced (the reference's
	 * {@code NOISE_MAX_MESSAGE_LEN}).
	 */
	public static final int MAX_MESSAGE_LENGTH = 65535;

	private static final byte[] EMPTY = new byte[0];

	private enum Step {

		FIRST_MESSAGE, SECOND_MESSAGE, COMPLETE, FAILED, CLOSED

	}

	private final Dh dh;

	private final boolean initiator;

	private final SymmetricState symmetric;

	private Dh.@Nullable KeyPair fixedEphemeral;

	private Dh.@Nullable KeyPair localEphemeral;

	private @Nullable PublicKey remoteEphemeral;

	private Step step = Step.FIRST_MESSAGE;

	/**
	 * Test seam: any primitives, any prologue and, when {@code fixedEphemeral} is not
	 * null, a fixed ephemeral key pair in place of a generated one.
	 */
	NoiseHandshake(NoisePrimitives primitives, boolean initiator, byte[] prologue,
			Dh.@Nullable KeyPair fixedEphemeral) {
		this.dh = primitives.dh();
		this.initiator = initiator;
		this.fixedEphemeral = fixedEphemeral;
		this.symmetric = new SymmetricState(primitives);
		symmetric.mixHash(prologue);
	}

	private NoiseHandshake(NoiseHandshake other) {
		this.dh = other.dh;
		this.initiator = other.initiator;
		this.symmetric = other.symmetric.copy();
		this.fixedEphemeral = other.fixedEphemeral;
		this.localEphemeral = other.localEphemeral;
		this.remoteEphemeral = other.remoteEphemeral;
		this.step = other.step;
	}

	/**
	 * An independent copy of this handshake at its current step, sharing the (immutable)
	 * ephemeral key objects. The Noise provider keeps one of an initiator after message 1
	 * to recognise, without disturbing the original, which {@code HandshakeFinish}
	 * answers it. Closing either copy does not affect the other.
	 */
	NoiseHandshake copy() {
		return new NoiseHandshake(this);
	}

	/**
	 * Starts the initiator side for {@code suite}.
	 * @throws NoiseProtocolException if the suite is not available here (BLAKE2s without
	 * Bouncy Castle)
	 */
	public static NoiseHandshake initiator(NoiseSuite suite) throws NoiseProtocolException {
		return new NoiseHandshake(suite.primitives(NoiseSuite::isClassPresent), true, EMPTY, null);
	}

	/**
	 * Starts the responder side for the suite a peer's {@code HandshakeStart} named.
	 * @throws NoiseProtocolException if the suite is not available here (BLAKE2s without
	 * Bouncy Castle)
	 */
	public static NoiseHandshake responder(NoiseSuite suite) throws NoiseProtocolException {
		return new NoiseHandshake(suite.primitives(NoiseSuite::isClassPresent), false, EMPTY, null);
	}

	/** Whether this is the initiator side. */
	public boolean isInitiator() {
		return initiator;
	}

	/** Whether both messages have been processed, so {@link #split()} may be called. */
	public boolean isComplete() {
		return step == Step.COMPLETE;
	}

	/**
	 * Writes this side's message with an empty payload: message 1 for the initiator,
	 * message 2 for the responder.
	 * @throws NoiseProtocolException if the key agreement with the peer's ephemeral key
	 * fails (e.g. a small-order X25519 point); this handshake is then unusable
	 * @throws IllegalStateException if it is not this side's turn to write
	 */
	public byte[] writeMessage() throws NoiseProtocolException {
		return writeMessage(EMPTY);
	}

	/**
	 * Reads the peer's message: message 2 for the initiator, message 1 for the responder.
	 * Payload bytes after the ephemeral key (message 1) or inside the authenticated part
	 * (message 2) are accepted and ignored.
	 * @throws NoiseProtocolException if the message is too short or too long, carries an
	 * invalid public key or fails authentication; this handshake is then unusable
	 * @throws IllegalStateException if it is not this side's turn to read
	 */
	public void readMessage(byte[] message) throws NoiseProtocolException {
		readMessageWithPayload(message);
	}

	byte[] writeMessage(byte[] payload) throws NoiseProtocolException {
		boolean second = expect(!initiator, "write");
		int length = dh.publicKeyLength() + payload.length + (second ? NoiseCipher.TAG_LENGTH : 0);
		if (length > MAX_MESSAGE_LENGTH) {
			throw new IllegalArgumentException("handshake message would exceed " + MAX_MESSAGE_LENGTH + " bytes");
		}
		try {
			Dh.KeyPair ephemeral = fixedEphemeral != null ? fixedEphemeral : dh.generateKeyPair();
			fixedEphemeral = null;
			localEphemeral = ephemeral;
			symmetric.mixHash(ephemeral.publicKey());
			if (second) {
				mixAgreement();
			}
			byte[] body = symmetric.encryptAndHash(payload);
			byte[] message = Arrays.copyOf(ephemeral.publicKey(), length);
			System.arraycopy(body, 0, message, dh.publicKeyLength(), body.length);
			step = second ? Step.COMPLETE : Step.SECOND_MESSAGE;
			return message;
		}
		catch (NoiseProtocolException | RuntimeException e) {
			step = Step.FAILED;
			throw e;
		}
	}

	byte[] readMessageWithPayload(byte[] message) throws NoiseProtocolException {
		boolean second = expect(initiator, "read");
		int minimum = dh.publicKeyLength() + (second ? NoiseCipher.TAG_LENGTH : 0);
		try {
			if (message.length < minimum || message.length > MAX_MESSAGE_LENGTH) {
				throw new NoiseProtocolException("handshake message " + (second ? 2 : 1) + " must be " + minimum + ".."
						+ MAX_MESSAGE_LENGTH + " bytes, got " + message.length);
			}
			byte[] encodedKey = Arrays.copyOf(message, dh.publicKeyLength());
			remoteEphemeral = dh.decodePublicKey(encodedKey);
			symmetric.mixHash(encodedKey);
			if (second) {
				mixAgreement();
			}
			byte[] payload = symmetric
				.decryptAndHash(Arrays.copyOfRange(message, dh.publicKeyLength(), message.length));
			step = second ? Step.COMPLETE : Step.SECOND_MESSAGE;
			return payload;
		}
		catch (NoiseProtocolException | RuntimeException e) {
			step = Step.FAILED;
			throw e;
		}
	}

	/**
	 * The transport keys. May be called once the handshake is complete.
	 * @throws IllegalStateException if the handshake is not complete
	 */
	public NoiseSplit split() {
		requireComplete();
		byte[][] keys = symmetric.split();
		return new NoiseSplit(keys[0], keys[1]);
	}

	/**
	 * The final handshake hash {@code h}, identical on both sides of an unmodified
	 * handshake; compare it out of band to detect a man in the middle.
	 * @throws IllegalStateException if the handshake is not complete
	 */
	public byte[] handshakeHash() {
		requireComplete();
		return symmetric.handshakeHash();
	}

	/** Zeroes the symmetric state and drops the ephemeral keys. Idempotent. */
	@Override
	public void close() {
		symmetric.destroy();
		fixedEphemeral = null;
		localEphemeral = null;
		remoteEphemeral = null;
		step = Step.CLOSED;
	}

	/** {@code MixKey(DH(e, re))}. */
	private void mixAgreement() throws NoiseProtocolException {
		if (localEphemeral == null || remoteEphemeral == null) {
			throw new IllegalStateException("ephemeral keys missing");
		}
		byte[] shared = dh.agree(localEphemeral.privateKey(), remoteEphemeral);
		symmetric.mixKey(shared);
		Arrays.fill(shared, (byte) 0);
	}

	/** Checks it is this side's turn; returns whether the step is the second message. */
	private boolean expect(boolean secondMessageSide, String action) {
		Step wanted = secondMessageSide ? Step.SECOND_MESSAGE : Step.FIRST_MESSAGE;
		if (step != wanted) {
			throw new IllegalStateException("cannot " + action + " a handshake message now (state " + step + ", "
					+ (initiator ? "initiator" : "responder") + ")");
		}
		return secondMessageSide;
	}

	private void requireComplete() {
		if (step != Step.COMPLETE) {
			throw new IllegalStateException("handshake is not complete (state " + step + ")");
		}
	}

	@Override
	public String toString() {
		return "NoiseHandshake[" + (initiator ? "initiator" : "responder") + ", " + step + "]";
	}

}
