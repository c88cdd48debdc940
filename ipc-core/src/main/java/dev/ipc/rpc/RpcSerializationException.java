package dev.ipc.rpc;

/**
 * The request could not be encoded ({@link RpcError.RequestSerialization}) or the
 * response to it could not be decoded ({@link RpcError.ResponseDeserialization}).
 * Produced locally.
 */
public class RpcSerializationException extends RpcException {

	private final RpcError error;

	public RpcSerializationException(String requestType, RpcError error, Throwable cause) {
		super("RPC " + requestType + " failed locally: " + error.describe(), cause);
		this.error = error;
	}

	/**
	 * {@link RpcError.RequestSerialization} or {@link RpcError.ResponseDeserialization}.
	 */
	public RpcError error() {
		return error;
	}

}
