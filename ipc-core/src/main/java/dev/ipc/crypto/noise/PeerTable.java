package dev.ipc.crypto.noise;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import dev.ipc.model.Endpoint;
import dev.ipc.spi.SessionRepository;

/**
 * The per-peer companion state of one {@link NoiseCryptoProvider}, keyed by peer within
 * the scope of one session repository (so one provider can serve several clients).
 * Entries of idle peers are pruned, amortised O(1) per lookup; departed peers' retained
 * sessions expire in order. Thread-safe.
 */
final class PeerTable {

	/**
	 * Departed peers whose session is retained for reclaiming, at most (the oldest go
	 * first).
	 */
	static final int MAX_DEPARTED = 1024;

	/** Size of the table above which idle entries are pruned. */
	private static final int PRUNE_THRESHOLD = 256;

	private final NoiseSettings settings;

	private final ConcurrentHashMap<PeerKey, PeerState> peers = new ConcurrentHashMap<>();

	private final ConcurrentLinkedQueue<Departure> departures = new ConcurrentLinkedQueue<>();

	private final AtomicInteger departureCount = new AtomicInteger();

	/** Table size after the last prune; the next prune waits until it has doubled. */
	private volatile int sizeAfterPrune;

	PeerTable(NoiseSettings settings) {
		this.settings = settings;
	}

	/**
	 * The state of {@code peer}, locked by the calling thread (which must unlock
	 * {@link PeerState#lock}).
	 */
	PeerState lock(SessionRepository<NoiseSession> scope, Endpoint peer) {
		PeerKey key = new PeerKey(scope, peer);
		sweepDepartures();
		int size = peers.size();
		if (size > PRUNE_THRESHOLD && size > 2 * sizeAfterPrune) {
			prune();
			sizeAfterPrune = peers.size();
		}
		while (true) {
			PeerState p = peers.computeIfAbsent(key, k -> new PeerState());
			p.lock.lock();
			if (!p.retired) {
				p.purgeExpired(settings.clock.millis());
				return p;
			}
			p.lock.unlock();
		}
	}

	/** Removes {@code p} (locked by the caller) from the table. */
	void forget(SessionRepository<NoiseSession> scope, Endpoint peer, PeerState p) {
		p.retired = true;
		peers.remove(new PeerKey(scope, peer), p);
	}

	/**
	 * Remembers that {@code peer}'s retained session expires at {@code expiresAt} (clock
	 * millis).
	 */
	void departed(SessionRepository<NoiseSession> scope, Endpoint peer, long expiresAt) {
		departures.add(new Departure(new PeerKey(scope, peer), expiresAt));
		departureCount.incrementAndGet();
	}

	int size() {
		return peers.size();
	}

	/**
	 * Drops the retained sessions of departed peers whose retention is over (or the
	 * oldest beyond {@value #MAX_DEPARTED}), and the companion state of those peers if
	 * nothing else is left. Never waits for a lock (a busy peer is looked at again
	 * later).
	 */
	private void sweepDepartures() {
		Departure head = departures.peek();
		if (head == null) {
			return;
		}
		long now = settings.clock.millis();
		int budget = 64;
		while (head != null && budget-- > 0 && (head.expiresAt() <= now || departureCount.get() > MAX_DEPARTED)) {
			if (!departures.remove(head)) {
				head = departures.peek();
				continue;
			}
			departureCount.decrementAndGet();
			boolean overCap = head.expiresAt() > now;
			PeerState p = peers.get(head.key());
			if (p != null) {
				if (p.lock.tryLock()) {
					try {
						if (overCap) {
							p.dropDeparted();
						}
						if (!p.retired && isIdle(p, now)) {
							p.retired = true;
							peers.remove(head.key(), p);
						}
					}
					finally {
						p.lock.unlock();
					}
				}
				else {
					departures.add(head);
					departureCount.incrementAndGet();
				}
			}
			head = departures.peek();
		}
	}

	private void prune() {
		long now = settings.clock.millis();
		for (Map.Entry<PeerKey, PeerState> entry : peers.entrySet()) {
			PeerState p = entry.getValue();
			if (p.lock.tryLock()) {
				try {
					if (isIdle(p, now)) {
						p.retired = true;
						peers.remove(entry.getKey(), p);
					}
				}
				finally {
					p.lock.unlock();
				}
			}
		}
	}

	private boolean isIdle(PeerState p, long now) {
		return p.isIdle(now, settings.handshakeTimeoutNanos, settings.cryptoInvalidatedInterval.toMillis(),
				settings.handshakeInterval.toMillis());
	}

	/** A peer in the scope of one session repository (identity). */
	private static final class PeerKey {

		private final SessionRepository<?> scope;

		private final Endpoint peer;

		PeerKey(SessionRepository<?> scope, Endpoint peer) {
			this.scope = scope;
			this.peer = peer;
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof PeerKey that && scope == that.scope && peer.equals(that.peer);
		}

		@Override
		public int hashCode() {
			return 31 * System.identityHashCode(scope) + peer.hashCode();
		}

	}

	/**
	 * A departed peer whose session is retained until {@code expiresAt} (clock millis).
	 */
	private record Departure(PeerKey key, long expiresAt) {
	}

}
