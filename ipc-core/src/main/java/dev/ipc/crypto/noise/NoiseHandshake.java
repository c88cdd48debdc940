package dev.ipc.crypto.noise;

import java.io.ByteArrayOutputStream;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.ipc.crypto.noise.NoisePattern.Token;

/**
 * One side of a Noise handshake, run token by token from a {@link NoisePattern} (Noise
 * revision 34 §5.3): by default {@code NN} ({@code -> e}, {@code <- e, ee}) with an empty
 * prologue and empty payloads, as the IPC protocol runs it with Bitwarden peers; the
 * authenticated patterns ({@code KK}, {@code IK}, {@code XX}, {@code NNpsk2}, ...) are
 * made with {@link #create}.
 *
 * <p>
 * The sides alternate: the initiator writes the even messages (0, 2) and reads the odd
 * ones, the responder the other way round. Afterwards {@link #split()} gives the
 * transport keys, {@link #handshakeHash()} the transcript hash for channel binding and
 * {@link #remoteStaticKey()} the peer's static key (pinned or learned). For NN, message 1
 * is 65 bytes for P-256 and 32 for 25519; message 2 is 81 and 48.
 *
 * <p>
 * Failures: a malformed, invalid or unauthenticated peer message throws
 * {@link NoiseProtocolException} and leaves this object failed; calling a method out of
 * turn throws {@link IllegalStateException}; a pattern whose keys are missing throws
 * {@link IllegalArgumentException} at creation. Ephemeral keys come from the JDK's
 * {@code SecureRandom}; an initiator's may have been generated ahead of time
 * ({@link EphemeralKeys}), never one used before. Not thread-safe; {@link #close()}
 * zeroes the chaining key, hashes and the pre-shared key copy.
 */
public final class NoiseHandshake implements AutoCloseable {

	/**
	 * Largest handshake message accepted or produced (the reference's
	 * {@code NOISE_MAX_MESSAGE_LEN}).
	 */
	public static final int MAX_MESSAGE_LENGTH = 65535;

	/** Length of a pre-shared key. */
	public static final int PSK_LENGTH = 32;

	private static final byte[] EMPTY = new byte[0];

	private final NoisePattern pattern;

	private final Dh dh;

	private final boolean initiator;

	private final SymmetricState symmetric;

	private final Dh.@Nullable KeyPair localStatic;

	private final byte @Nullable [] psk;

	private Dh.@Nullable KeyPair fixedEphemeral;

	private Dh.@Nullable KeyPair localEphemeral;

	private @Nullable PublicKey remoteEphemeral;

	private @Nullable PublicKey remoteStatic;

	private byte @Nullable [] remoteStaticEncoded;

	/** The next message to process (0-based); {@code messageCount()} once complete. */
	private int next;

	private boolean failed;

	private boolean closed;

	/**
	 * Test seam: NN with any primitives, any prologue and, when {@code fixedEphemeral} is
	 * not null, a fixed ephemeral key pair in place of a generated one.
	 */
	NoiseHandshake(NoisePrimitives primitives, boolean initiator, byte[] prologue,
			Dh.@Nullable KeyPair fixedEphemeral) {
		this(primitives, NoisePattern.NN, initiator, prologue, null, null, null, fixedEphemeral);
	}

	/**
	 * Any pattern: {@code localStatic} when the pattern gives this side a static key,
	 * {@code remoteStatic} (wire encoding) when the peer's key is a pre-message,
	 * {@code psk} (32 bytes) for the psk patterns.
	 * @throws IllegalArgumentException if a key the pattern needs is missing, invalid or
	 * has the wrong length
	 */
	NoiseHandshake(NoisePrimitives primitives, NoisePattern pattern, boolean initiator, byte[] prologue,
			Dh.@Nullable KeyPair localStatic, byte @Nullable [] remoteStatic, byte @Nullable [] psk,
			Dh.@Nullable KeyPair fixedEphemeral) {
		this.pattern = pattern;
		this.dh = primitives.dh();
		this.initiator = initiator;
		this.fixedEphemeral = fixedEphemeral;
		boolean needLocal = initiator ? pattern.initiatorHasStatic() : pattern.responderHasStatic();
		boolean remotePre = initiator ? pattern.responderKeyPremessage() : pattern.initiatorKeyPremessage();
		if (needLocal && localStatic == null) {
			throw new IllegalArgumentException(pattern + " needs this side's static key");
		}
		if (remotePre && remoteStatic == null) {
			throw new IllegalArgumentException(pattern + " needs the peer's static key in advance");
		}
		if (pattern.usesPsk() && (psk == null || psk.length != PSK_LENGTH)) {
			throw new IllegalArgumentException(pattern + " needs a " + PSK_LENGTH + "-byte pre-shared key");
		}
		if (localStatic != null && localStatic.publicKey().length != dh.publicKeyLength()) {
			throw new IllegalArgumentException("the static key is not a " + dh + " key");
		}
		this.localStatic = needLocal ? localStatic : null;
		this.psk = pattern.usesPsk() && psk != null ? psk.clone() : null;
		this.symmetric = new SymmetricState(primitives);
		symmetric.mixHash(prologue);
		if (remotePre && remoteStatic != null) {
			this.remoteStatic = decodeOrThrow(remoteStatic);
			this.remoteStaticEncoded = remoteStatic.clone();
		}
		if (pattern.initiatorKeyPremessage()) {
			symmetric.mixHash(initiator ? this.localStatic.publicKey() : this.remoteStaticEncoded);
		}
		if (pattern.responderKeyPremessage()) {
			symmetric.mixHash(initiator ? this.remoteStaticEncoded : this.localStatic.publicKey());
		}
	}

	private NoiseHandshake(NoiseHandshake other) {
		this.pattern = other.pattern;
		this.dh = other.dh;
		this.initiator = other.initiator;
		this.symmetric = other.symmetric.copy();
		this.localStatic = other.localStatic;
		this.psk = other.psk == null ? null : other.psk.clone();
		this.fixedEphemeral = other.fixedEphemeral;
		this.localEphemeral = other.localEphemeral;
		this.remoteEphemeral = other.remoteEphemeral;
		this.remoteStatic = other.remoteStatic;
		this.remoteStaticEncoded = other.remoteStaticEncoded == null ? null : other.remoteStaticEncoded.clone();
		this.next = other.next;
		this.failed = other.failed;
		this.closed = other.closed;
	}

	private PublicKey decodeOrThrow(byte[] encoded) {
		try {
			return dh.decodePublicKey(encoded);
		}
		catch (NoiseProtocolException e) {
			throw new IllegalArgumentException("the peer's static key is not a valid " + dh + " key", e);
		}
	}

	/**
	 * An independent copy of this handshake at its current step, sharing the (immutable)
	 * key objects. The Noise provider keeps one of an initiator after message 1 to
	 * recognise, without disturbing the original, which {@code HandshakeFinish} answers
	 * it. Closing either copy does not affect the other.
	 */
	NoiseHandshake copy() {
		return new NoiseHandshake(this);
	}

	/**
	 * Starts the initiator side of NN for {@code suite}.
	 * @throws NoiseProtocolException if the suite is not available here (BLAKE2s without
	 * Bouncy Castle)
	 */
	public static NoiseHandshake initiator(NoiseSuite suite) throws NoiseProtocolException {
		return new NoiseHandshake(suite.primitives(NoiseSuite::isClassPresent), true, EMPTY, null);
	}

	/**
	 * Starts the responder side of NN for the suite a peer's {@code HandshakeStart}
	 * named.
	 * @throws NoiseProtocolException if the suite is not available here (BLAKE2s without
	 * Bouncy Castle)
	 */
	public static NoiseHandshake responder(NoiseSuite suite) throws NoiseProtocolException {
		return new NoiseHandshake(suite.primitives(NoiseSuite::isClassPresent), false, EMPTY, null);
	}

	/**
	 * One side of {@code pattern} with an empty prologue.
	 * @param localStatic this side's static key, when the pattern uses one
	 * @param remoteStatic the peer's static key (wire encoding) when the pattern has it
	 * as a pre-message (pinned)
	 * @param psk the 32-byte pre-shared key of a psk pattern
	 * @throws NoiseProtocolException if the suite is unavailable
	 * @throws IllegalArgumentException if a key the pattern needs is missing or invalid
	 */
	static NoiseHandshake create(NoiseSuite suite, NoisePattern pattern, boolean initiator,
			Dh.@Nullable KeyPair localStatic, byte @Nullable [] remoteStatic, byte @Nullable [] psk)
			throws NoiseProtocolException {
		return new NoiseHandshake(suite.primitives(pattern, NoiseSuite::isClassPresent), pattern, initiator, EMPTY,
				localStatic, remoteStatic, psk, null);
	}

	/** Whether this is the initiator side. */
	public boolean isInitiator() {
		return initiator;
	}

	/** The pattern this handshake runs. */
	public NoisePattern pattern() {
		return pattern;
	}

	/** Whether every message has been processed, so {@link #split()} may be called. */
	public boolean isComplete() {
		return !failed && !closed && next == pattern.messageCount();
	}

	/**
	 * The peer's static key in wire encoding: given in advance (pinned) or learned from
	 * an {@code s} token; {@code null} while unknown (and always for NN and NNpsk2).
	 */
	public byte @Nullable [] remoteStaticKey() {
		return remoteStaticEncoded == null ? null : remoteStaticEncoded.clone();
	}

	/**
	 * Writes this side's next message with an empty payload.
	 * @throws NoiseProtocolException if a key agreement fails (e.g. a small-order X25519
	 * point); this handshake is then unusable
	 * @throws IllegalStateException if it is not this side's turn to write
	 */
	public byte[] writeMessage() throws NoiseProtocolException {
		return writeMessage(EMPTY);
	}

	/**
	 * Reads the peer's next message. Payload bytes are accepted and ignored.
	 * @throws NoiseProtocolException if the message is too short or too long, carries an
	 * invalid public key or fails authentication; this handshake is then unusable
	 * @throws IllegalStateException if it is not this side's turn to read
	 */
	public void readMessage(byte[] message) throws NoiseProtocolException {
		readMessageWithPayload(message);
	}

	byte[] writeMessage(byte[] payload) throws NoiseProtocolException {
		expect(true);
		int length = minimumLength(next) + payload.length;
		if (length > MAX_MESSAGE_LENGTH) {
			throw new IllegalArgumentException("handshake message would exceed " + MAX_MESSAGE_LENGTH + " bytes");
		}
		try {
			ByteArrayOutputStream out = new ByteArrayOutputStream(length);
			for (Token token : pattern.tokens(next)) {
				switch (token) {
					case E -> {
						// an initiator's ephemeral may have been prepared while the last
						// handshake waited for its answer (each pair is handed out once)
						Dh.KeyPair ephemeral = (fixedEphemeral != null) ? fixedEphemeral
								: initiator ? EphemeralKeys.take(dh) : dh.generateKeyPair();
						fixedEphemeral = null;
						localEphemeral = ephemeral;
						out.writeBytes(ephemeral.publicKey());
						mixEphemeral(ephemeral.publicKey());
					}
					case S -> out.writeBytes(symmetric.encryptAndHash(requireLocalStatic().publicKey()));
					case PSK -> symmetric.mixKeyAndHash(requirePsk());
					default -> mixAgreement(token);
				}
			}
			out.writeBytes(symmetric.encryptAndHash(payload));
			next++;
			return out.toByteArray();
		}
		catch (NoiseProtocolException | RuntimeException e) {
			failed = true;
			throw e;
		}
	}

	byte[] readMessageWithPayload(byte[] message) throws NoiseProtocolException {
		expect(false);
		int index = next;
		int minimum = minimumLength(index);
		try {
			if (message.length < minimum || message.length > MAX_MESSAGE_LENGTH) {
				throw new NoiseProtocolException("handshake message " + (index + 1) + " must be " + minimum + ".."
						+ MAX_MESSAGE_LENGTH + " bytes, got " + message.length);
			}
			int offset = 0;
			int keyLength = dh.publicKeyLength();
			for (Token token : pattern.tokens(index)) {
				switch (token) {
					case E -> {
						byte[] encodedKey = Arrays.copyOfRange(message, offset, offset + keyLength);
						offset += keyLength;
						remoteEphemeral = dh.decodePublicKey(encodedKey);
						mixEphemeral(encodedKey);
					}
					case S -> {
						int sealed = keyLength + (symmetric.hasKey() ? NoiseCipher.TAG_LENGTH : 0);
						byte[] encodedKey = symmetric
							.decryptAndHash(Arrays.copyOfRange(message, offset, offset + sealed));
						offset += sealed;
						remoteStatic = dh.decodePublicKey(encodedKey);
						remoteStaticEncoded = encodedKey;
					}
					case PSK -> symmetric.mixKeyAndHash(requirePsk());
					default -> mixAgreement(token);
				}
			}
			byte[] payload = symmetric.decryptAndHash(Arrays.copyOfRange(message, offset, message.length));
			next++;
			return payload;
		}
		catch (NoiseProtocolException | RuntimeException e) {
			failed = true;
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

	/** Zeroes the symmetric state and the PSK copy, drops the keys. Idempotent. */
	@Override
	public void close() {
		symmetric.destroy();
		if (psk != null) {
			Arrays.fill(psk, (byte) 0);
		}
		fixedEphemeral = null;
		localEphemeral = null;
		remoteEphemeral = null;
		closed = true;
	}

	/** Smallest valid length of message {@code index}: its keys and tags, no payload. */
	private int minimumLength(int index) {
		boolean hasKey = symmetric.hasKey();
		int length = 0;
		for (Token token : pattern.tokens(index)) {
			switch (token) {
				case E -> {
					length += dh.publicKeyLength();
					hasKey |= pattern.usesPsk();
				}
				case S -> length += dh.publicKeyLength() + (hasKey ? NoiseCipher.TAG_LENGTH : 0);
				default -> hasKey = true;
			}
		}
		return length + (hasKey ? NoiseCipher.TAG_LENGTH : 0);
	}

	/** {@code MixHash(e.pub)}, and in psk patterns also {@code MixKey(e.pub)}. */
	private void mixEphemeral(byte[] encodedKey) {
		symmetric.mixHash(encodedKey);
		if (pattern.usesPsk()) {
			symmetric.mixKey(encodedKey);
		}
	}

	/** {@code MixKey(DH(..))} for {@code ee}, {@code es}, {@code se}, {@code ss}. */
	private void mixAgreement(Token token) throws NoiseProtocolException {
		boolean localEphemeralSide = switch (token) {
			case EE -> true;
			case ES -> initiator;
			case SE -> !initiator;
			case SS -> false;
			default -> throw new IllegalStateException("not a DH token: " + token);
		};
		boolean remoteEphemeralSide = switch (token) {
			case EE -> true;
			case ES -> !initiator;
			case SE -> initiator;
			default -> false;
		};
		Dh.KeyPair local = localEphemeralSide ? localEphemeral : localStatic;
		PublicKey remote = remoteEphemeralSide ? remoteEphemeral : remoteStatic;
		if (local == null || remote == null) {
			throw new IllegalStateException("keys missing for " + token);
		}
		byte[] shared = dh.agree(local.privateKey(), remote);
		symmetric.mixKey(shared);
		Arrays.fill(shared, (byte) 0);
	}

	private Dh.KeyPair requireLocalStatic() {
		if (localStatic == null) {
			throw new IllegalStateException("static key missing");
		}
		return localStatic;
	}

	private byte[] requirePsk() {
		if (psk == null) {
			throw new IllegalStateException("pre-shared key missing");
		}
		return psk;
	}

	/** Checks it is this side's turn to write (or read). */
	private void expect(boolean write) {
		boolean turn = !failed && !closed && next < pattern.messageCount() && ((next % 2 == 0) == initiator) == write;
		if (!turn) {
			throw new IllegalStateException("cannot " + (write ? "write" : "read") + " a handshake message now (state "
					+ state() + ", " + (initiator ? "initiator" : "responder") + ")");
		}
	}

	private void requireComplete() {
		if (!isComplete()) {
			throw new IllegalStateException("handshake is not complete (state " + state() + ")");
		}
	}

	private String state() {
		if (closed) {
			return "CLOSED";
		}
		if (failed) {
			return "FAILED";
		}
		return next == pattern.messageCount() ? "COMPLETE" : "MESSAGE_" + (next + 1);
	}

	/** The token list of message {@code index}, for diagnostics and tests. */
	List<Token> tokens(int index) {
		return pattern.tokens(index);
	}

	@Override
	public String toString() {
		return "NoiseHandshake[" + pattern + ", " + (initiator ? "initiator" : "responder") + ", " + state() + "]";
	}

}
