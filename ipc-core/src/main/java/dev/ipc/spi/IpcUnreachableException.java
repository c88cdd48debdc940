package dev.ipc.spi;

import dev.ipc.model.Endpoint;

/**
 * The destination is not connected to the transport ({@link ErrorKind#UNREACHABLE}).
 * Thrown by backends from {@code send}, passed through by crypto providers, and used to
 * fail sends and RPCs promptly.
 */
public class IpcUnreachableException extends IpcException {

	private final Endpoint destination;

	public IpcUnreachableException(Endpoint destination) {
		super(ErrorKind.UNREACHABLE, "Destination unreachable: " + destination);
		this.destination = destination;
	}

	public IpcUnreachableException(Endpoint destination, String detail) {
		super(ErrorKind.UNREACHABLE, "Destination unreachable: " + destination + " (" + detail + ")");
		this.destination = destination;
	}

	/** The endpoint that could not be reached. */
	public Endpoint destination() {
		return destination;
	}

}
