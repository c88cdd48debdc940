package dev.ipc.rpc;

/**
 * The responder answered with an {@link RpcError}: no handler, an undecodable request, or
 * a failed handler.
 */
public class RpcRemoteException extends RpcException {

	private final RpcError error;

	public RpcRemoteException(String requestType, RpcError error) {
		super("Error occurred on the remote target for " + requestType + ": " + error.describe());
		this.error = error;
	}

	/** The error the responder sent. */
	public RpcError error() {
		return error;
	}

}
