package dev.ipc.transport.socket;

/**
 * A frame could not be decoded (garbage, truncated CBOR, wrong structure) or encoded (too
 * large).
 */
final class FrameCodecException extends Exception {

	private static final long serialVersionUID = 1L;

	FrameCodecException(String message) {
		super(message);
	}

	FrameCodecException(String message, Throwable cause) {
		super(message, cause);
	}

}
