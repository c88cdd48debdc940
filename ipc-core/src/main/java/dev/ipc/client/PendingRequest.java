package dev.ipc.client;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.ipc.model.Endpoint;

/** An RPC waiting for its response, keyed by request id in the client's pending map. */
final class PendingRequest {

	final String requestId;

	final String requestType;

	final Type responseType;

	final Endpoint destination;

	final CompletableFuture<Object> future;

	final long startNanos;

	/** {@link System#nanoTime()} at which the request times out. */
	final long deadlineNanos;

	final Duration timeout;

	PendingRequest(String requestId, String requestType, Type responseType, Endpoint destination,
			CompletableFuture<Object> future, long startNanos, long deadlineNanos, Duration timeout) {
		this.requestId = requestId;
		this.requestType = requestType;
		this.responseType = responseType;
		this.destination = destination;
		this.future = future;
		this.startNanos = startNanos;
		this.deadlineNanos = deadlineNanos;
		this.timeout = timeout;
	}

}
