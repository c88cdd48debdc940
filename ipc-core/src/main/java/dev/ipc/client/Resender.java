package dev.ipc.client;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Topics;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * Re-sends the requests a peer could not decrypt. The crypto provider reports that
 * {@code peer} could not decrypt a frame of ours (it answered {@code CryptoInvalidated};
 * the provider dropped the session and handshakes again on the next send). A request sent
 * to it before this notice may have been that frame, so no handler ran for it: each such
 * request is re-sent once, unchanged (same request id, within its deadline; the responder
 * de-duplicates by source and request id, so a request that did get through is not
 * handled twice). One that was re-sent already fails now with a retryable
 * {@link IpcException} instead of waiting out its timeout. The notice arrives on the
 * inbound path; the re-sends run on the {@code <client>-rpc-resend} thread (started on
 * demand, ended by {@link #shutdown()}) because a send may wait for a handshake that the
 * inbound path must process.
 */
final class Resender {

	private static final Logger log = LoggerFactory.getLogger(Resender.class);

	private final ClientState state;

	private final PendingRequests pending;

	private final Sender sender;

	private final Departures departures;

	private final Dispatcher dispatcher;

	/** "The peer could not decrypt our frame" notices so far. */
	private final AtomicLong invalidations = new AtomicLong();

	private final ThreadPoolExecutor thread;

	Resender(ClientState state, PendingRequests pending, Sender sender, Departures departures, Dispatcher dispatcher) {
		this.state = state;
		this.pending = pending;
		this.sender = sender;
		this.departures = departures;
		this.dispatcher = dispatcher;
		this.thread = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				new NamedThreadFactory(state.name() + "-rpc-resend"));
	}

	/** The number of notices so far (a request records it when it is sent). */
	long count() {
		return invalidations.get();
	}

	/** The provider's notice that {@code peer} could not decrypt a frame of ours. */
	void peerCouldNotDecrypt(Endpoint peer) {
		long notice = invalidations.incrementAndGet();
		try {
			// not here: the provider may hold its lock for the peer while it reports the
			// event
			thread.execute(() -> resendAfter(peer, notice));
		}
		catch (RejectedExecutionException ex) {
			// closing: pending requests are failed by close()
		}
	}

	void shutdown() {
		thread.shutdownNow();
	}

	private void resendAfter(Endpoint peer, long notice) {
		for (PendingRequest request : pending.values()) {
			if (!request.destination.equals(peer) || request.invalidationSeq >= notice || !request.awaitingResponse()) {
				continue;
			}
			if (request.resends > 0) {
				dispatcher.execute(() -> request.future.completeExceptionally(new IpcException(ErrorKind.OTHER,
						"RPC " + request.requestType + " to " + peer + " was not delivered: the peer could not decrypt "
								+ "it, twice (CryptoInvalidated), so no handler ran; it is safe to retry")));
				continue;
			}
			request.resends = 1;
			request.invalidationSeq = notice;
			resend(request);
		}
	}

	private void resend(PendingRequest request) {
		if (!request.awaitingResponse() || request.deadlineNanos - System.nanoTime() <= 0 || !state.isRunning()) {
			return; // answered, or the timeout fails it, or stop() did
		}
		log.debug("IPC client '{}': re-sending RPC {} to {}: the peer could not decrypt it", state.name(),
				request.requestType, request.destination);
		request.departureSeq = departures.count();
		try {
			sender.send(new OutgoingMessage(request.payload, request.destination, Topics.RPC_REQUEST),
					request.deadlineNanos);
		}
		catch (IpcException ex) {
			request.future.completeExceptionally(ex);
		}
	}

}
