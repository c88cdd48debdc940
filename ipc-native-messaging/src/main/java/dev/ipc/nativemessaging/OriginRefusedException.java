package dev.ipc.nativemessaging;

/**
 * The native messaging host refused to serve: the browser's arguments carry no usable
 * origin, or the origin is not on the host's allow-list. The host writes {@link #code()}
 * and the message to the browser, then exits.
 */
public final class OriginRefusedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String code;

	/**
	 * @param code a stable, machine-readable reason ({@code no-origin},
	 * {@code bad-origin}, {@code origin-not-allowed})
	 * @param message the human-readable reason (peer-controlled parts already escaped)
	 */
	public OriginRefusedException(String code, String message) {
		super(message);
		this.code = code;
	}

	/** The machine-readable reason. */
	public String code() {
		return code;
	}

}
