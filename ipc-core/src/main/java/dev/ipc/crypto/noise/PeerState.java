package dev.ipc.crypto.noise;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * One peer's in-memory companion state in a {@link NoiseCryptoProvider}: the handshake in
 * progress, decrypt-only sessions (replaced, invalidated, lost in a tie-break, departed),
 * unconfirmed responder sessions, probes of abandoned handshakes, rate-limit windows and
 * the persistence bookkeeping of {@link SessionAccess}. Every field is guarded by
 * {@link #lock}.
 */
final class PeerState {

	/** Grace-period sessions kept per peer at most. */
	static final int MAX_PREVIOUS_SESSIONS = 3;

	/** Unconfirmed responder sessions kept per peer at most. */
	static final int MAX_PENDING_SESSIONS = 2;

	/**
	 * Handshake states of our own timed-out or superseded attempts kept per peer to
	 * recognise late answers.
	 */
	static final int MAX_STALE_PROBES = 3;

	final ReentrantLock lock = new ReentrantLock();

	/** Removed from the table; a thread that locked it must look the peer up again. */
	boolean retired;

	@Nullable Attempt attempt;

	final ArrayDeque<Previous> previous = new ArrayDeque<>();

	/** Responder sessions not yet confirmed by a frame from the peer, newest first. */
	final ArrayDeque<Pending> pending = new ArrayDeque<>();

	/**
	 * Handshake states of our own abandoned attempts, to recognise their late answers,
	 * newest first.
	 */
	final ArrayDeque<StaleProbe> staleProbes = new ArrayDeque<>();

	long invalidationWindowStart;

	int invalidationsInWindow;

	long handshakeWindowStart;

	int handshakesInWindow;

	/**
	 * See {@link SessionAccess}: the working copy of the session of a copying (durable)
	 * repository.
	 */
	@Nullable NoiseSession working;

	/**
	 * See {@link SessionAccess}: the send nonce persisted as reserved for
	 * {@link #working}.
	 */
	long reservedSendNonce;

	/**
	 * See {@link SessionAccess}: the size of the last send-nonce reservation (0: none
	 * yet).
	 */
	long reserveBlock;

	/** See {@link SessionAccess}: when the last reservation was written (nanoTime). */
	long lastReservationNanos;

	/** See {@link SessionAccess}: received frames whose nonce is not persisted yet. */
	int unsavedReceives;

	/** See {@link Fragmentation}: the peer's message in reassembly, if any. */
	@Nullable Reassembly reassembly;

	/** See {@link Fragmenter}: the number of our next fragmented message to the peer. */
	int nextFragmentMessageId;

	/**
	 * The registered attempt; one that no longer expects a finish, or that ended long
	 * enough ago that none can still be on its way, is dropped.
	 */
	@Nullable Attempt liveAttempt(long timeoutNanos) {
		Attempt current = attempt;
		if (current != null && !current.awaitingFinish()
				&& (!current.expectsFinish() || System.nanoTime() - current.endedNanos > 2 * timeoutNanos)) {
			current.releaseHandshake();
			attempt = null;
			return null;
		}
		return current;
	}

	/**
	 * Unregisters {@code done} (if it is the registered one) and closes its handshake.
	 */
	void unregister(Attempt done) {
		if (attempt == done) {
			attempt = null;
		}
		done.releaseHandshake();
	}

	void retire(@Nullable NoiseSession session, long expiresAt) {
		retire(session, expiresAt, null);
	}

	/**
	 * Keeps {@code session} decrypt-only until {@code expiresAt}; {@code wonBy} marks a
	 * tie-break loser.
	 */
	void retire(@Nullable NoiseSession session, long expiresAt, @Nullable Attempt wonBy) {
		if (session == null) {
			return;
		}
		if (expiresAt == 0 || session.isDestroyed()) {
			session.close();
			return;
		}
		previous.addFirst(new Previous(session, expiresAt, wonBy, false));
		while (previous.size() > MAX_PREVIOUS_SESSIONS) {
			previous.removeLast().session.close();
		}
	}

	@Nullable Opened decryptWithPrevious(long nonce, byte[] ciphertext, long now) {
		return decryptWithPrevious(nonce, ciphertext, 0, ciphertext.length, now);
	}

	/** {@link #decryptWithPrevious(long, byte[], long)} of a range (a frame's view). */
	@Nullable Opened decryptWithPrevious(long nonce, byte[] input, int offset, int length, long now) {
		for (Iterator<Previous> it = previous.iterator(); it.hasNext();) {
			Previous candidate = it.next();
			if (candidate.expiresAt <= now || candidate.session.isDestroyed()) {
				candidate.session.close();
				it.remove();
				continue;
			}
			try {
				return new Opened(candidate, candidate.session.state().decrypt(nonce, input, offset, length));
			}
			catch (NoiseTransportException ex) {
				// not this one
			}
		}
		return null;
	}

	/**
	 * Closes (zeroes) and forgets the grace-period and unconfirmed sessions whose time is
	 * up.
	 */
	void purgeExpired(long now) {
		pending.removeIf(candidate -> {
			if (candidate.expiresAt() <= now || candidate.session().isDestroyed()) {
				candidate.session().close();
				return true;
			}
			return false;
		});
		previous.removeIf(candidate -> {
			if (candidate.expiresAt <= now || candidate.session.isDestroyed()) {
				candidate.session.close();
				return true;
			}
			return false;
		});
	}

	void clearPrevious() {
		for (Previous candidate : previous) {
			candidate.session.close();
		}
		previous.clear();
	}

	/**
	 * Closes and forgets the grace-period sessions, keeps a departed peer's; whether one
	 * was kept.
	 */
	boolean clearPreviousExceptDeparted() {
		previous.removeIf(candidate -> {
			if (!candidate.departed) {
				candidate.session.close();
				return true;
			}
			return false;
		});
		return !previous.isEmpty();
	}

	/** Closes and forgets the retained session of a departed peer. */
	void dropDeparted() {
		previous.removeIf(candidate -> {
			if (candidate.departed) {
				candidate.session.close();
				return true;
			}
			return false;
		});
	}

	/**
	 * Keeps {@code session} as an unconfirmed responder session until {@code expiresAt}
	 * (clock millis).
	 */
	void addPending(NoiseSession session, long expiresAt) {
		pending.addFirst(new Pending(session, expiresAt));
		while (pending.size() > MAX_PENDING_SESSIONS) {
			pending.removeLast().session().close();
		}
	}

	/**
	 * The pending session {@code ciphertext} decrypts under (removed from the list), or
	 * {@code null}.
	 */
	@Nullable Confirmed decryptWithPending(long nonce, byte[] ciphertext) {
		return decryptWithPending(nonce, ciphertext, 0, ciphertext.length);
	}

	/** {@link #decryptWithPending(long, byte[])} of a range (a frame's view). */
	@Nullable Confirmed decryptWithPending(long nonce, byte[] input, int offset, int length) {
		for (Iterator<Pending> it = pending.iterator(); it.hasNext();) {
			Pending candidate = it.next();
			try {
				byte[] plaintext = candidate.session().state().decrypt(nonce, input, offset, length);
				it.remove();
				return new Confirmed(candidate.session(), plaintext);
			}
			catch (NoiseTransportException ex) {
				// not this one
			}
		}
		return null;
	}

	/** Moves the unconfirmed sessions to the decrypt-only grace list. */
	void retirePending(long expiresAt) {
		while (!pending.isEmpty()) {
			retire(pending.removeLast().session(), expiresAt);
		}
	}

	void clearPending() {
		for (Pending candidate : pending) {
			candidate.session().close();
		}
		pending.clear();
	}

	/**
	 * Keeps the handshake of an abandoned attempt so its late answer is recognised (takes
	 * the handshake over).
	 */
	void keepStaleProbe(Attempt abandoned, long expiresNanos) {
		if (abandoned.handshakeReleased) {
			return;
		}
		abandoned.handshakeReleased = true;
		staleProbes.addFirst(new StaleProbe(abandoned.handshake, expiresNanos));
		while (staleProbes.size() > MAX_STALE_PROBES) {
			staleProbes.removeLast().probe().close();
		}
	}

	/**
	 * Whether {@code message2} answers one of our abandoned attempts (consumes that
	 * probe).
	 */
	boolean matchesStaleProbe(byte[] message2, long nowNanos) {
		purgeStaleProbes(nowNanos);
		for (Iterator<StaleProbe> it = staleProbes.iterator(); it.hasNext();) {
			StaleProbe candidate = it.next();
			NoiseHandshake trial = candidate.probe().copy();
			try {
				trial.readMessage(message2);
				it.remove();
				candidate.probe().close();
				return true;
			}
			catch (NoiseProtocolException | RuntimeException ex) {
				// not this one
			}
			finally {
				trial.close();
			}
		}
		return false;
	}

	void purgeStaleProbes(long nowNanos) {
		staleProbes.removeIf(candidate -> {
			if (nowNanos - candidate.expiresNanos() >= 0) {
				candidate.probe().close();
				return true;
			}
			return false;
		});
	}

	void clearStaleProbes() {
		for (StaleProbe candidate : staleProbes) {
			candidate.probe().close();
		}
		staleProbes.clear();
	}

	boolean tryAcquireHandshake(long now, int permits, long intervalMillis) {
		if (handshakesInWindow == 0 || now - handshakeWindowStart >= intervalMillis || now < handshakeWindowStart) {
			handshakeWindowStart = now;
			handshakesInWindow = 0;
		}
		if (handshakesInWindow >= permits) {
			return false;
		}
		handshakesInWindow++;
		return true;
	}

	boolean tryAcquireInvalidation(long now, int permits, long intervalMillis) {
		if (invalidationsInWindow == 0 || now - invalidationWindowStart >= intervalMillis
				|| now < invalidationWindowStart) {
			invalidationWindowStart = now;
			invalidationsInWindow = 0;
		}
		if (invalidationsInWindow >= permits) {
			return false;
		}
		invalidationsInWindow++;
		return true;
	}

	boolean isIdle(long now, long timeoutNanos, long intervalMillis, long handshakeIntervalMillis) {
		if (liveAttempt(timeoutNanos) != null || working != null || unsavedReceives > 0
				|| (reassembly != null && !reassembly.isSkipping())) {
			return false;
		}
		purgeExpired(now);
		purgeStaleProbes(System.nanoTime());
		return previous.isEmpty() && pending.isEmpty() && staleProbes.isEmpty()
				&& (invalidationsInWindow == 0 || now - invalidationWindowStart >= intervalMillis)
				&& (handshakesInWindow == 0 || now - handshakeWindowStart >= handshakeIntervalMillis);
	}

	/**
	 * A decrypt-only session: replaced, invalidated or lost in a tie-break. {@code wonBy}
	 * is the attempt of ours that beat it in a simultaneous initiation, else
	 * {@code null}. Identity equality (it is removed by identity).
	 */
	static final class Previous {

		final NoiseSession session;

		final long expiresAt;

		final @Nullable Attempt wonBy;

		/** The session of a peer that left the transport, which that peer may reclaim. */
		final boolean departed;

		Previous(NoiseSession session, long expiresAt, @Nullable Attempt wonBy, boolean departed) {
			this.session = session;
			this.expiresAt = expiresAt;
			this.wonBy = wonBy;
			this.departed = departed;
		}

	}

	record Opened(Previous from, byte[] plaintext) {
	}

	/**
	 * An unconfirmed responder session (from a peer's {@code HandshakeStart} while we had
	 * a session).
	 */
	record Pending(NoiseSession session, long expiresAt) {
	}

	/** A pending session confirmed by the first frame under it. */
	record Confirmed(NoiseSession session, byte[] plaintext) {
	}

	/**
	 * The handshake state of one of our abandoned attempts (timed out or superseded),
	 * until {@code expiresNanos}.
	 */
	record StaleProbe(NoiseHandshake probe, long expiresNanos) {
	}

}
