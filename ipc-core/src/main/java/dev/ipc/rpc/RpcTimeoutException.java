package dev.ipc.rpc;

import java.time.Duration;

/**
 * No response arrived within the request's timeout. The pending request is forgotten; a
 * late reply is dropped.
 */
public class RpcTimeoutException extends RpcException {

	private final Duration timeout;

	public RpcTimeoutException(String requestType, Duration timeout) {
		super("No response to " + requestType + " within " + timeout.toMillis() + " ms");
		this.timeout = timeout;
	}

	/** The timeout that elapsed. */
	public Duration timeout() {
		return timeout;
	}

}
