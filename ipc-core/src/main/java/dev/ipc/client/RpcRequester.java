package dev.ipc.client;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;

import dev.ipc.codec.PayloadCodecException;
import dev.ipc.event.IpcEventListener;
import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Topics;
import dev.ipc.observation.IpcObserver;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.rpc.RpcSerializationException;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.spi.IpcException;

/**
 * The requester side of a client's RPC, straight down: a request is given an id, encoded
 * into its envelope, registered in the pending map ({@link PendingRequests}, which the
 * inbound path completes), and sent ({@link Sender}). The future API is timed out by the
 * {@link TimeoutSweeper}; a synchronous {@link #call} waits for itself ({@link SyncCall},
 * reading its own response where the backend lets it) and enforces its own deadline.
 * Every request reports its outcome to the event listener and the observer when its
 * future completes, however it completes.
 */
final class RpcRequester {

	private final ClientState state;

	private final RpcEnvelopes envelopes;

	private final PendingRequests pending;

	private final Sender sender;

	private final Departures departures;

	private final Resender resender;

	private final TimeoutSweeper timeouts;

	private final SyncCall syncCall;

	private final IpcEventListener events;

	private final IpcObserver observer;

	private final RequestIds requestIds = new RequestIds();

	RpcRequester(ClientState state, RpcEnvelopes envelopes, PendingRequests pending, Sender sender,
			Departures departures, Resender resender, ScheduledExecutorService timer, SyncCall syncCall,
			IpcEventListener events, IpcObserver observer) {
		this.state = state;
		this.envelopes = envelopes;
		this.pending = pending;
		this.sender = sender;
		this.departures = departures;
		this.resender = resender;
		this.timeouts = new TimeoutSweeper(timer, pending::expire);
		this.syncCall = syncCall;
		this.events = events;
		this.observer = observer;
	}

	/** {@link IpcClient#request(RpcRequest, Endpoint, Duration)}. */
	<R> CompletableFuture<R> request(RpcRequest<R> request, Endpoint destination, Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		long start = System.nanoTime();
		return send(request, destination, timeout, start, deadline(start, timeout), false);
	}

	/** {@link IpcClient#call(RpcRequest, Endpoint, Duration)}. */
	<R> R call(RpcRequest<R> request, Endpoint destination, Duration timeout) throws InterruptedException {
		Objects.requireNonNull(timeout, "timeout");
		long start = System.nanoTime();
		long deadline = deadline(start, timeout);
		CompletableFuture<R> future = send(request, destination, timeout, start, deadline, true);
		// reads for itself only while this client receives (else nobody would take the
		// frames it reads)
		return syncCall.await(future, deadline, state.receives(),
				() -> new RpcTimeoutException(Topics.nameOf(request.getClass()), timeout));
	}

	private static long deadline(long start, Duration timeout) {
		return start + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
	}

	/**
	 * Starts a request; a {@code sync} one ({@link #call}) is completed on the inbound
	 * thread and timed out by its caller, not the sweeper.
	 */
	@SuppressWarnings("unchecked")
	private <R> CompletableFuture<R> send(RpcRequest<R> request, Endpoint destination, Duration timeout, long start,
			long deadline, boolean sync) {
		Objects.requireNonNull(request, "request");
		Objects.requireNonNull(destination, "destination");
		state.ensureOpen();
		Class<?> requestClass = request.getClass();
		String type = Topics.nameOf(requestClass);
		Type responseType = RpcTypes.responseType(requestClass);
		String id = requestIds.next();
		IpcObserver.Exchange observation = observer.rpcClient(type, destination, id);
		CompletableFuture<Object> future = new CompletableFuture<>();
		future.whenComplete((value, failure) -> {
			pending.remove(id);
			RpcOutcome outcome = RpcFailures.outcomeOf(failure);
			events.rpcClientCompleted(type, outcome, System.nanoTime() - start);
			observation.stop(outcome, (failure != null) ? RpcFailures.unwrap(failure) : null);
		});
		byte[] payload;
		try {
			payload = envelopes.encodeRequest(request, id, type, Topics.responseTopicFor(id),
					observation.outgoingContext());
		}
		catch (PayloadCodecException ex) {
			future.completeExceptionally(new RpcSerializationException(type,
					new RpcError.RequestSerialization(String.valueOf(ex.getMessage())), ex));
			return (CompletableFuture<R>) (CompletableFuture<?>) future;
		}
		PendingRequest entry = new PendingRequest(id, type, responseType, destination, future, start, deadline, timeout,
				payload, sync);
		entry.departureSeq = departures.count();
		entry.invalidationSeq = resender.count();
		pending.put(id, entry);
		try {
			if (!sync) {
				timeouts.watch(deadline);
			}
			else if (state.get() == IpcClientState.CLOSED) {
				future.completeExceptionally(state.closed());
			}
		}
		catch (RejectedExecutionException ex) {
			future.completeExceptionally(state.closed());
		}
		if (!future.isDone()) { // else the completion hook removed it
			try {
				sender.send(new OutgoingMessage(payload, destination, Topics.RPC_REQUEST), deadline);
			}
			catch (IpcException ex) {
				future.completeExceptionally(ex);
			}
		}
		return (CompletableFuture<R>) (CompletableFuture<?>) future;
	}

}
