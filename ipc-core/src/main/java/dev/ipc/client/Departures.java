package dev.ipc.client;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.InboundThread;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.IpcUnreachableException;

/**
 * A client's handling of peers that left, in order with their messages. The transport
 * says a peer left ({@link #peerLeft}, on a transport thread, after it handed our
 * receiver every message the peer sent before leaving); the notice gets the next number
 * of {@link #count()}, so requests sent after this point (which carry that number or a
 * higher one) belong to a later connection. A {@link PeerDeparture} marker goes into the
 * receiver behind what it holds, and the inbound path hands it back ({@link #departed})
 * after every earlier message went through the crypto provider: a reply already queued
 * still completes its request and is still decrypted with the session the provider is
 * about to forget. A receiver that cannot take markers falls back to a short grace delay;
 * a client that is not receiving handles the notice at once.
 */
final class Departures {

	private static final Logger log = LoggerFactory.getLogger(Departures.class);

	/**
	 * For receivers that cannot carry a departure in order with the messages (no
	 * {@link BackendReceiver#insertMarker}): how long a reply already queued from a
	 * departed peer may still complete its request before the departure fails it.
	 */
	private static final Duration DISCONNECT_GRACE = Duration.ofMillis(200);

	/**
	 * The longest a send waits for the inbound path to finish with a departure of its
	 * destination that was already noticed (normally microseconds; see
	 * {@link #awaitDeparturesOf}).
	 */
	private static final Duration DEPARTURE_WAIT_LIMIT = Duration.ofSeconds(5);

	private final ClientState state;

	private final ScheduledExecutorService timer;

	private final PendingRequests pending;

	private final RecentRequests recentRequests;

	private final CryptoProvider<Object> crypto;

	private final CryptoContext<Object> cryptoContext;

	private final Dispatcher dispatcher;

	/** Departure notices so far. */
	private final AtomicLong departures = new AtomicLong();

	/**
	 * Departures queued in the receiver as markers and not handled yet (handled at stop
	 * if the inbound path never got them).
	 */
	private final Set<PeerDeparture> queued = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition handled = lock.newCondition();

	Departures(ClientState state, ScheduledExecutorService timer, PendingRequests pending,
			RecentRequests recentRequests, CryptoProvider<Object> crypto, CryptoContext<Object> cryptoContext,
			Dispatcher dispatcher) {
		this.state = state;
		this.timer = timer;
		this.pending = pending;
		this.recentRequests = recentRequests;
		this.crypto = crypto;
		this.cryptoContext = cryptoContext;
		this.dispatcher = dispatcher;
	}

	/** The number of departure notices so far (a request records it when it is sent). */
	long count() {
		return departures.get();
	}

	/**
	 * The transport's disconnect listener: {@code peer} left. Ignored once the client is
	 * closed: its requests were failed by the close, and a departure heard then is
	 * usually the client's own connection closing after it, so the session stays in the
	 * repository for the next client to use without a handshake.
	 */
	void peerLeft(Endpoint peer) {
		if (state.isClosed()) {
			return;
		}
		PeerDeparture departure = new PeerDeparture(peer, departures.incrementAndGet());
		BackendReceiver rx = state.receiver();
		if (rx != null) {
			queued.add(departure);
			if (rx.insertMarker(departure)) {
				return;
			}
			queued.remove(departure);
			if (state.receiver() == rx && state.isRunning()) {
				try {
					timer.schedule(() -> departed(departure), DISCONNECT_GRACE.toNanos(), TimeUnit.NANOSECONDS);
					return;
				}
				catch (RejectedExecutionException ex) {
					// closed: handle it now
				}
			}
		}
		departed(departure);
	}

	/**
	 * Waits until the inbound path has handled every departure of {@code destination}
	 * noticed so far (normally done already), at most {@link #DEPARTURE_WAIT_LIMIT}. A
	 * message to a peer that left and came back must not go out before the provider has
	 * forgotten the old connection's session: otherwise a session made for the new
	 * connection in between (a handshake completes off the inbound path) would be
	 * forgotten right after, and the peer's answer under it be lost. Never waits on a
	 * thread running an inbound path ({@link InboundThread}: it is what handles
	 * departures).
	 */
	void awaitDeparturesOf(Endpoint destination) {
		if (queued.isEmpty() || !queuedFor(destination) || InboundThread.isActive()) {
			return;
		}
		long deadline = System.nanoTime() + DEPARTURE_WAIT_LIMIT.toNanos();
		lock.lock();
		try {
			while (queuedFor(destination)) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					log.debug("IPC client '{}': sending to {} before the inbound path handled its departure",
							state.name(), destination);
					return;
				}
				handled.awaitNanos(remaining);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			lock.unlock();
		}
	}

	private boolean queuedFor(Endpoint destination) {
		for (PeerDeparture departure : queued) {
			if (departure.peer.equals(destination)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Handles a departure: fails the requests that were pending on the connection that
	 * left (sent before the notice, not answered), tells the crypto provider to forget
	 * the peer, and forgets the peer's recent request ids. Runs on the inbound path (or,
	 * for a client not receiving, on the notifying thread).
	 */
	void departed(PeerDeparture departure) {
		try {
			forget(departure);
		}
		finally {
			queued.remove(departure);
			lock.lock();
			try {
				handled.signalAll();
			}
			finally {
				lock.unlock();
			}
		}
	}

	/**
	 * At stop: the departures the inbound path did not reach (the receiver discarded them
	 * on close). Nothing of those peers is queued any more, so the provider may forget
	 * them now.
	 */
	void handleUnreached() {
		for (PeerDeparture departure : List.copyOf(queued)) {
			departed(departure);
		}
	}

	private void forget(PeerDeparture departure) {
		Endpoint peer = departure.peer;
		for (PendingRequest request : pending.values()) {
			if (request.destination.equals(peer) && request.departureSeq < departure.seq
					&& request.awaitingResponse()) {
				dispatcher.execute(() -> request.future
					.completeExceptionally(new IpcUnreachableException(peer, "peer disconnected")));
			}
		}
		recentRequests.forget(peer);
		try {
			crypto.peerDisconnected(cryptoContext, peer);
		}
		catch (RuntimeException ex) {
			log.warn("IPC client '{}': the crypto provider failed to forget the departed peer {}", state.name(), peer,
					ex);
		}
	}

}
