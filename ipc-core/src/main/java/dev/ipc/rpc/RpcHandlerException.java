package dev.ipc.rpc;

import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * Thrown by a handler to fail a request with a message meant for the caller. The message
 * is sent to the requester as {@link RpcError.ResponseSerialization}, so it must not
 * contain secrets. Other exceptions send only their class name.
 */
public class RpcHandlerException extends IpcException {

	public RpcHandlerException(String publicMessage) {
		super(ErrorKind.OTHER, publicMessage);
	}

	public RpcHandlerException(String publicMessage, Throwable cause) {
		super(ErrorKind.OTHER, publicMessage, cause);
	}

}
