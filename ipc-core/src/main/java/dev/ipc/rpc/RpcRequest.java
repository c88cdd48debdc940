package dev.ipc.rpc;

/**
 * A request type that a remote handler answers with a response of type {@code R} (spec
 * §1.7). Implementations declare their request type name with
 * {@link dev.ipc.model.IpcPayload} and must be JSON-serializable by the client's codec,
 * as must {@code R}.
 *
 * <pre>{@code
 * &#64;IpcPayload("TestRequest")
 * record TestRequest(int a, int b) implements RpcRequest<TestResponse> {}
 * }</pre>
 *
 * @param <R> the response type
 */
public interface RpcRequest<R> {

}
