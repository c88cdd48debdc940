package dev.ipc.client;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.jspecify.annotations.Nullable;

import dev.ipc.event.RpcOutcome;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.rpc.RpcSerializationException;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.spi.IpcUnreachableException;

/** How the requester and the responder read a failed RPC stage. */
final class RpcFailures {

	private RpcFailures() {
	}

	/**
	 * The failure itself, without the {@link CompletionException} or
	 * {@link ExecutionException} wrappers a stage adds.
	 */
	static Throwable unwrap(Throwable failure) {
		Throwable cause = failure;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

	/** The outcome reported for a requested RPC that ended with {@code failure}. */
	static RpcOutcome outcomeOf(@Nullable Throwable failure) {
		if (failure == null) {
			return RpcOutcome.SUCCESS;
		}
		Throwable cause = unwrap(failure);
		if (cause instanceof CancellationException) {
			return RpcOutcome.CANCELLED;
		}
		if (cause instanceof RpcTimeoutException) {
			return RpcOutcome.TIMEOUT;
		}
		if (cause instanceof RpcRemoteException) {
			return RpcOutcome.REMOTE_ERROR;
		}
		if (cause instanceof RpcSerializationException) {
			return RpcOutcome.SERIALIZATION_ERROR;
		}
		if (cause instanceof IpcUnreachableException) {
			return RpcOutcome.UNREACHABLE;
		}
		return RpcOutcome.FAILED;
	}

}
