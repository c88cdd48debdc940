package dev.ipc.crypto.noise;

import java.io.Serial;

/**
 * Bytes received from a peer are not a valid Noise {@link NoiseFrame}: not well-formed
 * CBOR, too large or too deeply nested, trailing data, an unknown variant or cipher
 * suite, or a missing, duplicated or mistyped field. The message says which, without any
 * of the input bytes; the frame should be dropped.
 */
public class NoiseFrameException extends Exception {

	@Serial
	private static final long serialVersionUID = 1L;

	/** Creates the exception with a human-readable reason. */
	public NoiseFrameException(String message) {
		super(message);
	}

}
