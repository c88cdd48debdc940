package dev.ipc.internal.cbor;

/**
 * Input that is not the CBOR expected: malformed, truncated, past a bound, or an item of
 * another type than the one asked for. The message names the problem, never the input's
 * bytes; the codecs turn it into their own exception type.
 */
public final class CborException extends Exception {

	private static final long serialVersionUID = 1L;

	public CborException(String message) {
		super(message);
	}

}
