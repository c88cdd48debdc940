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

	/**
	 * The encoded envelope, kept to re-send it unchanged (same request id) after the peer
	 * could not decrypt it.
	 */
	final byte[] payload;

	/**
	 * A synchronous call ({@link IpcClient#call}): its response completes it on the
	 * inbound thread (the caller waits on it, often reading for itself), and the caller
	 * enforces its deadline.
	 */
	final boolean sync;

	/**
	 * The client's departure count when this request was last sent: a departure notice
	 * numbered higher was issued after the send, so it concerns the connection this
	 * request went out on; a lower or equal one does not.
	 */
	volatile long departureSeq;

	/**
	 * The client's count of "the peer could not decrypt our frame" notices when this
	 * request was last sent.
	 */
	volatile long invalidationSeq;

	/** How many times the request was re-sent after such a notice (at most once). */
	volatile int resends;

	/**
	 * A response for it was matched on the receive loop (its completion may still be
	 * queued on the dispatcher).
	 */
	volatile boolean answered;

	PendingRequest(String requestId, String requestType, Type responseType, Endpoint destination,
			CompletableFuture<Object> future, long startNanos, long deadlineNanos, Duration timeout, byte[] payload,
			boolean sync) {
		this.requestId = requestId;
		this.requestType = requestType;
		this.responseType = responseType;
		this.destination = destination;
		this.future = future;
		this.startNanos = startNanos;
		this.deadlineNanos = deadlineNanos;
		this.timeout = timeout;
		this.payload = payload;
		this.sync = sync;
	}

	/** Whether it still waits for a response that has not arrived. */
	boolean awaitingResponse() {
		return !answered && !future.isDone();
	}

}
