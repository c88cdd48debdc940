package dev.ipc.crypto.noise;

import java.io.Serial;

/**
 * A Noise handshake could not go on: a peer message was malformed, carried an invalid
 * public key or failed authentication, or the requested cipher suite cannot run here
 * (e.g. BLAKE2s without Bouncy Castle).
 *
 * <p>
 * The handshake that raised it is unusable afterwards; start a new one. Messages never
 * contain key material or message bytes.
 */
public class NoiseProtocolException extends Exception {

	@Serial
	private static final long serialVersionUID = 1L;

	/** Creates the exception with a human-readable reason. */
	public NoiseProtocolException(String message) {
		super(message);
	}

	/** Creates the exception with a human-readable reason and the underlying cause. */
	public NoiseProtocolException(String message, Throwable cause) {
		super(message, cause);
	}

}
