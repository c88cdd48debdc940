package dev.ipc.crypto.noise;

import java.io.Serial;

/**
 * A received transport frame was rejected by
 * {@link NoiseTransportState#decrypt(long, byte[])}; the state is unchanged and the frame
 * should be dropped. {@link #reason()} tells why, so callers can count drops by cause.
 */
public class NoiseTransportException extends Exception {

	@Serial
	private static final long serialVersionUID = 1L;

	/** Why a frame was rejected. */
	public enum Reason {

		/**
		 * The nonce was not greater than the last accepted one (a replay or a reordered
		 * frame).
		 */
		REPLAYED,
		/** Authentication failed: wrong key, tampered ciphertext or tag. */
		DECRYPT_FAILED,
		/** The ciphertext is shorter than the 16-byte tag. */
		MALFORMED,
		/**
		 * The ciphertext is longer than
		 * {@link NoiseTransportState#MAX_CIPHERTEXT_LENGTH}.
		 */
		OVERSIZED

	}

	private final Reason reason;

	/** Creates the exception; the message must not contain key or message bytes. */
	public NoiseTransportException(Reason reason, String message) {
		super(message);
		this.reason = reason;
	}

	/** Why the frame was rejected. */
	public Reason reason() {
		return reason;
	}

}
