package dev.ipc.rpc;

import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * Base of the ways an RPC can fail other than transport errors:
 * {@link RpcTimeoutException}, {@link RpcRemoteException} and
 * {@link RpcSerializationException}. An unreachable destination fails the request with
 * {@link dev.ipc.spi.IpcUnreachableException}; a stopped client with
 * {@link dev.ipc.spi.IpcClosedException}; a cancelled request with
 * {@link java.util.concurrent.CancellationException}.
 */
public abstract class RpcException extends IpcException {

	protected RpcException(String message) {
		super(ErrorKind.OTHER, message);
	}

	protected RpcException(String message, Throwable cause) {
		super(ErrorKind.OTHER, message, cause);
	}

}
