package dev.ipc.crypto.noise;

import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The messages the Noise provider exchanges, the reference's {@code Frame} enum;
 * {@link NoiseFrameCodec} maps them to and from CBOR. Byte arrays are copied in and out,
 * and {@code equals}/{@code hashCode} compare contents; {@code toString} shows lengths
 * only, never bytes.
 */
public sealed interface NoiseFrame permits NoiseFrame.HandshakeStart, NoiseFrame.HandshakeFinish,
		NoiseFrame.TransportFrame, NoiseFrame.CryptoInvalidated, NoiseFrame.HandshakeRefused {

	/**
	 * Initiator to responder: the proposed suite and handshake message 1, and optionally
	 * the extension a Java initiator adds (its {@link Features}, under a map key the
	 * reference ignores; {@code null} when absent, always absent toward the reference's
	 * decoders from a reference initiator). The pattern is part of the
	 * {@code ciphersuite} name on the wire ({@code Noise_NN_...} for Bitwarden peers,
	 * {@code Noise_KK_...} or {@code Noise_NNpsk2_...} between Java peers).
	 */
	record HandshakeStart(NoiseSuite ciphersuite, byte[] noiseFrame, NoisePattern pattern,
			byte @Nullable [] extension) implements NoiseFrame {

		/** Creates the frame, copying {@code noiseFrame} and {@code extension}. */
		public HandshakeStart {
			Objects.requireNonNull(ciphersuite, "ciphersuite");
			Objects.requireNonNull(pattern, "pattern");
			noiseFrame = noiseFrame.clone();
			extension = extension == null ? null : extension.clone();
		}

		/** The frame of the reference: an NN start, no extension. */
		public HandshakeStart(NoiseSuite ciphersuite, byte[] noiseFrame) {
			this(ciphersuite, noiseFrame, NoisePattern.NN, null);
		}

		/** A start of {@code pattern}, no extension. */
		public HandshakeStart(NoiseSuite ciphersuite, byte[] noiseFrame, NoisePattern pattern) {
			this(ciphersuite, noiseFrame, pattern, null);
		}

		/** An NN start with an extension (or none). */
		public HandshakeStart(NoiseSuite ciphersuite, byte[] noiseFrame, byte @Nullable [] extension) {
			this(ciphersuite, noiseFrame, NoisePattern.NN, extension);
		}

		/** The protocol name carried in {@code ciphersuite}. */
		public String protocolName() {
			return ciphersuite.protocolName(pattern);
		}

		/** A copy of handshake message 1. */
		@Override
		public byte[] noiseFrame() {
			return noiseFrame.clone();
		}

		/** A copy of the extension, or {@code null}. */
		@Override
		public byte @Nullable [] extension() {
			return extension == null ? null : extension.clone();
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof HandshakeStart that && ciphersuite == that.ciphersuite && pattern == that.pattern
					&& Arrays.equals(noiseFrame, that.noiseFrame) && Arrays.equals(extension, that.extension);
		}

		@Override
		public int hashCode() {
			return 31 * (31 * (31 * ciphersuite.hashCode() + pattern.hashCode()) + Arrays.hashCode(noiseFrame))
					+ Arrays.hashCode(extension);
		}

		@Override
		public String toString() {
			return "HandshakeStart[ciphersuite=" + protocolName() + ", noiseFrame=" + noiseFrame.length + " bytes"
					+ (extension == null ? "" : ", extension=" + extension.length + " bytes") + "]";
		}
	}

	/** Responder to initiator: handshake message 2. */
	record HandshakeFinish(byte[] noiseFrame) implements NoiseFrame {

		/** Creates the frame, copying {@code noiseFrame}. */
		public HandshakeFinish {
			noiseFrame = noiseFrame.clone();
		}

		/** A copy of handshake message 2. */
		@Override
		public byte[] noiseFrame() {
			return noiseFrame.clone();
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof HandshakeFinish that && Arrays.equals(noiseFrame, that.noiseFrame);
		}

		@Override
		public int hashCode() {
			return Arrays.hashCode(noiseFrame);
		}

		@Override
		public String toString() {
			return "HandshakeFinish[noiseFrame=" + noiseFrame.length + " bytes]";
		}
	}

	/**
	 * An encrypted application message: ciphertext with its 16-byte tag, and its unsigned
	 * 64-bit nonce. A decoded frame refers to its ciphertext inside the received bytes (a
	 * view, not a copy); {@link #payload()} still hands out a copy.
	 */
	final class TransportFrame implements NoiseFrame {

		private final byte[] array;

		private final int offset;

		private final int length;

		private final long nonce;

		/** Creates the frame, copying {@code payload}. */
		public TransportFrame(byte[] payload, long nonce) {
			this(payload.clone(), 0, payload.length, nonce);
		}

		private TransportFrame(byte[] array, int offset, int length, long nonce) {
			this.array = array;
			this.offset = offset;
			this.length = length;
			this.nonce = nonce;
		}

		/**
		 * A frame whose ciphertext is {@code length} bytes of {@code array} from
		 * {@code offset}, not copied: the caller must not change them while the frame is
		 * in use.
		 */
		static TransportFrame view(byte[] array, int offset, int length, long nonce) {
			Objects.checkFromIndexSize(offset, length, array.length);
			return new TransportFrame(array, offset, length, nonce);
		}

		/** A copy of the ciphertext and tag. */
		public byte[] payload() {
			return Arrays.copyOfRange(array, offset, offset + length);
		}

		/** The frame's nonce (unsigned). */
		public long nonce() {
			return nonce;
		}

		/**
		 * The array holding the ciphertext and tag, not copied: for the codec and the
		 * provider, which only read it (from {@link #payloadOffset()}, for
		 * {@link #payloadLength()} bytes).
		 */
		byte[] payloadArray() {
			return array;
		}

		/** Where the ciphertext starts in {@link #payloadArray()}. */
		int payloadOffset() {
			return offset;
		}

		/** The length of the ciphertext and tag. */
		int payloadLength() {
			return length;
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof TransportFrame that && nonce == that.nonce && Arrays.equals(array, offset,
					offset + length, that.array, that.offset, that.offset + that.length);
		}

		@Override
		public int hashCode() {
			int h = 1;
			for (int i = offset; i < offset + length; i++) {
				h = 31 * h + array[i];
			}
			return 31 * Long.hashCode(nonce) + h;
		}

		@Override
		public String toString() {
			return "TransportFrame[payload=" + length + " bytes, nonce=" + Long.toUnsignedString(nonce) + "]";
		}

	}

	/**
	 * Responder to initiator, Java peers only: "I will not run this handshake with you"
	 * (the authentication policy is not met, the pinned key does not match, the pairing
	 * key is wrong or missing). A Bitwarden peer never receives one for a handshake it
	 * started (it only speaks NN, which a {@code none} policy accepts), and would drop it
	 * as an unknown variant. {@code reason} is at most {@value #MAX_REASON_LENGTH}
	 * characters of peer-controlled text.
	 */
	record HandshakeRefused(String reason) implements NoiseFrame {

		/** The longest reason encoded or accepted. */
		public static final int MAX_REASON_LENGTH = 512;

		/** Creates the frame, cutting {@code reason} to {@link #MAX_REASON_LENGTH}. */
		public HandshakeRefused {
			Objects.requireNonNull(reason, "reason");
			if (reason.length() > MAX_REASON_LENGTH) {
				reason = reason.substring(0, MAX_REASON_LENGTH);
			}
		}
	}

	/**
	 * "I have no session with you": the receiver drops its session and re-handshakes on
	 * its next send.
	 */
	enum CryptoInvalidated implements NoiseFrame {

		/** The only instance. */
		INSTANCE

	}

}
