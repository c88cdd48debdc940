package dev.ipc.rpc;

import java.util.concurrent.CompletionStage;

/**
 * Answers requests of one type asynchronously: the reply is sent when the returned stage
 * completes. A stage completed exceptionally is handled like a thrown exception in
 * {@link RpcHandler}.
 *
 * @param <Q> the request type
 * @param <R> the response type
 */
@FunctionalInterface
public interface AsyncRpcHandler<Q extends RpcRequest<R>, R> {

	/** Starts producing the response to {@code request}. */
	CompletionStage<R> handle(Q request, RpcContext context) throws Exception;

}
