package dev.ipc.spi;

/**
 * A point in a receiver's stream of messages, placed there by the receiver's consumer
 * with {@link BackendReceiver#insertMarker}. The receiver throws it from {@code receive}
 * once every message buffered before it has been returned, and continues with the
 * messages after it on the next call; so the consumer learns of an event (for instance
 * that a peer left) exactly between the messages that came before and after it.
 *
 * <p>
 * It is an {@link IpcException} of kind {@link ErrorKind#OTHER}, so code that does not
 * know it treats it as a recoverable receive error. A {@link CryptoProvider} must pass it
 * on unchanged from its {@code receive}, as it passes on every exception the receiver
 * throws. Consumers subclass it to carry what they need. It has no stack trace.
 */
public class ReceiveMarker extends IpcException {

	private static final long serialVersionUID = 1L;

	/** A marker described by {@code description} (for logs; no payloads, no secrets). */
	protected ReceiveMarker(String description) {
		super(ErrorKind.OTHER, description);
	}

	/** Markers are control flow, not failures: no stack trace to fill in. */
	@Override
	public synchronized Throwable fillInStackTrace() {
		return this;
	}

}
