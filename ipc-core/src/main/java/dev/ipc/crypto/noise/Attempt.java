package dev.ipc.crypto.noise;

import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * One initiator handshake of ours with one peer, as an explicit state machine. It is
 * created by a sender (which then waits on {@link #outcome}) and advanced by the inbound
 * path, which is the only reader of the peer's answer. Every field but the final ones is
 * guarded by the peer's lock.
 *
 * <pre>
 *                    HandshakeFinish that authenticates ──────────────▶ COMMITTED   (our session stored)
 *   AWAITING_FINISH ─ the peer's simultaneous HandshakeStart wins ────▶ SUPERSEDED  (its session stored; our late
 *                    │                                                               finish is consumed quietly)
 *                    ├─ the sender's deadline passes ─────────────────▶ TIMED_OUT   (a late finish counts stale)
 *                    ├─ the peer leaves the transport ────────────────▶ PEER_LEFT
 *                    └─ the HandshakeStart cannot be sent, interrupt ─▶ FAILED
 * </pre>
 *
 * {@link #outcome} completes normally on COMMITTED and SUPERSEDED (a session is there for
 * the sender to use) and exceptionally on the others. The attempt stays registered with
 * its peer while a finish for it can still be expected: in AWAITING_FINISH, and in
 * SUPERSEDED until that finish arrives or twice the handshake timeout passed.
 */
final class Attempt {

	/** Where the handshake stands. */
	enum State {

		/**
		 * Our {@code HandshakeStart} is out; waiting for the peer's
		 * {@code HandshakeFinish}.
		 */
		AWAITING_FINISH,

		/** The finish authenticated and our session is stored. */
		COMMITTED,

		/**
		 * The peer's simultaneous handshake won the tie-break and its session is stored.
		 */
		SUPERSEDED,

		/** No finish by the sender's deadline. */
		TIMED_OUT,

		/** The peer left the transport during the handshake. */
		PEER_LEFT,

		/** The start could not be sent, or the sender gave up (interrupted). */
		FAILED

	}

	final NoiseSuite suite;

	/** Our initiator ephemeral public key, the tie-break value. */
	final byte[] ephemeral;

	/**
	 * The handshake after message 1. Only copies read the answer, so a forged finish
	 * leaves it intact.
	 */
	final NoiseHandshake handshake;

	final long startedNanos = System.nanoTime();

	/** When the sender stops waiting for this attempt's answer (nanoTime). */
	final long deadlineNanos;

	/**
	 * Completed normally once a session for the peer is stored, exceptionally when the
	 * attempt failed.
	 */
	final CompletableFuture<Void> outcome = new CompletableFuture<>();

	State state = State.AWAITING_FINISH;

	/** When the attempt left {@link State#AWAITING_FINISH} (nanoTime). */
	long endedNanos;

	/**
	 * The initiator ephemeral of the peer's simultaneous {@code HandshakeStart}, if one
	 * came.
	 */
	byte @Nullable [] competitor;

	/**
	 * What an authenticated initiation will prove ({@code null} without authentication).
	 */
	PeerAuthenticator.@Nullable Plan plan;

	/**
	 * Set when a {@code HandshakeFinish} came that did not authenticate (an authenticated
	 * pattern: a changed key or a man in the middle), for the timeout's error.
	 */
	volatile @Nullable String authenticationFailure;

	/** The handshake was closed or handed over to the stale-probe list. */
	boolean handshakeReleased;

	Attempt(NoiseSuite suite, byte[] ephemeral, NoiseHandshake handshake, long deadlineNanos) {
		this.suite = suite;
		this.ephemeral = ephemeral;
		this.handshake = handshake;
		this.deadlineNanos = deadlineNanos;
	}

	boolean awaitingFinish() {
		return state == State.AWAITING_FINISH;
	}

	/**
	 * Whether a {@code HandshakeFinish} for this attempt may still arrive and be
	 * expected.
	 */
	boolean expectsFinish() {
		return state == State.AWAITING_FINISH || state == State.SUPERSEDED;
	}

	/** Leaves {@link State#AWAITING_FINISH} for {@code next}. */
	void end(State next) {
		state = next;
		endedNanos = System.nanoTime();
	}

	/** Closes the handshake unless it was already closed or handed over. */
	void releaseHandshake() {
		if (!handshakeReleased) {
			handshakeReleased = true;
			handshake.close();
		}
	}

}
