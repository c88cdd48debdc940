package dev.ipc.spi;

/**
 * The component was stopped or closed: a backend receiver after {@code close()}, a
 * subscription after it or its client was closed, an RPC pending when its client stopped.
 * Kind {@link ErrorKind#FATAL}.
 */
public class IpcClosedException extends IpcException {

	public IpcClosedException(String message) {
		super(ErrorKind.FATAL, message);
	}

}
