package dev.ipc.transport.socket;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The counters of one socket transport, behind {@link SocketTransportStats}. */
final class TransportCounters {

	final AtomicLong connectionsAccepted = new AtomicLong();

	final AtomicLong connectionsRejected = new AtomicLong();

	final AtomicLong helloTimeouts = new AtomicLong();

	final AtomicLong malformedFrames = new AtomicLong();

	final AtomicLong oversizedFrames = new AtomicLong();

	final AtomicLong overflowDrops = new AtomicLong();

	final AtomicLong undeliverable = new AtomicLong();

	final AtomicLong connects = new AtomicLong();

	final AtomicLong staleSocketsReplaced = new AtomicLong();

	final AtomicLong evictions = new AtomicLong();

	/** Failed attempts of a peer to reach its host (for tests and diagnostics). */
	final AtomicLong connectFailures = new AtomicLong();

	final AtomicLong heldUntilSubscribed = new AtomicLong();

	final AtomicLong noReceiverDrops = new AtomicLong();

	private final ConcurrentHashMap<String, AtomicLong> rejections = new ConcurrentHashMap<>();

	/**
	 * Counts a connection refused with {@code reason} (one of the protocol's reject
	 * reasons).
	 */
	void rejected(String reason) {
		connectionsRejected.incrementAndGet();
		rejections.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
	}

	Map<String, Long> rejectionsByReason() {
		Map<String, Long> copy = new TreeMap<>();
		rejections.forEach((reason, count) -> copy.put(reason, count.get()));
		return Collections.unmodifiableMap(copy);
	}

	/** A snapshot, with the state the counters do not hold. */
	SocketTransportStats snapshot(SocketTransportOptions.Role role, boolean connected, int peers) {
		return new SocketTransportStats(role, connected, peers, connectionsAccepted.get(), connectionsRejected.get(),
				helloTimeouts.get(), malformedFrames.get(), oversizedFrames.get(), overflowDrops.get(),
				undeliverable.get(), connects.get(), staleSocketsReplaced.get(), rejectionsByReason(), evictions.get(),
				heldUntilSubscribed.get(), noReceiverDrops.get());
	}

}
