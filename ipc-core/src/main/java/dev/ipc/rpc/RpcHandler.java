package dev.ipc.rpc;

/**
 * Answers requests of one type. Runs on the client's handler executor, concurrently with
 * other handlers, never on the receive loop (unless the client is built with direct
 * dispatch).
 *
 * <p>
 * A handler that throws produces an error reply, never silence:
 * {@link RpcHandlerException} sends its message, anything else sends only the exception's
 * class name (so internal details do not leak), both as
 * {@link RpcError.ResponseSerialization}.
 *
 * @param <Q> the request type
 * @param <R> the response type
 */
@FunctionalInterface
public interface RpcHandler<Q extends RpcRequest<R>, R> {

	/** Produces the response to {@code request}. */
	R handle(Q request, RpcContext context) throws Exception;

}
