package dev.ipc.spi;

/**
 * A send refused because the transport's bounded outbound queue is full right now:
 * nothing of the message was queued, and the same message may succeed a moment later,
 * once the queue drains. Classified {@link ErrorKind#OTHER}, so code that handles
 * {@link IpcException} by kind keeps working; a publisher uses the type to wait a bounded
 * time instead of dropping a copy (see {@code IpcClient.publish}).
 */
public class IpcBackpressureException extends IpcException {

	private static final long serialVersionUID = 1L;

	public IpcBackpressureException(String message) {
		super(ErrorKind.OTHER, message);
	}

}
