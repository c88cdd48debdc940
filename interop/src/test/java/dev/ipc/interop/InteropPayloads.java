package dev.ipc.interop;

import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/** Application types the interop tests exchange with the SDK. */
public final class InteropPayloads {

	private InteropPayloads() {
	}

	/**
	 * A pub/sub payload: JSON {@code {"text":"…","n":1}} on topic
	 * {@code interop.greeting}.
	 */
	@IpcPayload("interop.greeting")
	public record Greeting(String text, int n) {
	}

	/**
	 * A custom RPC request answered by the Java side: {@code {"a":2,"b":3}} of type
	 * {@code AddRequest}.
	 */
	@IpcPayload("AddRequest")
	public record AddRequest(int a, int b) implements RpcRequest<AddResponse> {
	}

	/** {@code {"sum":5}}. */
	public record AddResponse(int sum) {
	}

}
