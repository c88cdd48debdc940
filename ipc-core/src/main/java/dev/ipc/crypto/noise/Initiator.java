package dev.ipc.crypto.noise;

import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.internal.DeliveryGuard;
import dev.ipc.internal.InboundThread;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;

/**
 * The send side of the Noise provider: encrypts with the peer's session, or first starts
 * a handshake (an {@link Attempt}) and waits, on the sender's thread and without the
 * peer's lock, until the inbound path has settled it. Concurrent senders to a peer that
 * is handshaking join that one attempt.
 */
final class Initiator {

	private static final Logger log = LoggerFactory.getLogger(NoiseCryptoProvider.class);

	/**
	 * How many handshakes one send may run before giving up (a session that vanishes
	 * right after each).
	 */
	private static final int MAX_SEND_ROUNDS = 3;

	/**
	 * Extra time a sender waits for another sender's handshake beyond that handshake's
	 * own timeout.
	 */
	private static final long JOIN_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

	private final NoiseSettings settings;

	private final PeerTable peers;

	Initiator(NoiseSettings settings, PeerTable peers) {
		this.settings = settings;
		this.peers = peers;
	}

	void send(CryptoContext<NoiseSession> context, OutgoingMessage message, long deadlineNanos,
			boolean retryUntilDeadline) {
		Endpoint peer = message.destination();
		int attempts = 0;
		for (int round = 1;; round++) {
			Attempt mine = null;
			Attempt other = null;
			PeerState p = peers.lock(context.sessions(), peer);
			try {
				NoiseSession session = SessionAccess.load(context, p, peer);
				if (session != null && settings.auth != null && !settings.auth.usableForSend(peer, session)) {
					// never encrypt under a session the peer's policy does not accept
					// (e.g. restored from a durable store after a restart)
					removeSession(context, p, peer, session, "not authenticated as the peer's policy requires");
					session = null;
				}
				boolean inbound = InboundThread.isActive();
				if (session != null && (inbound
						|| !session.state().isOlderThan(settings.nowSecs(), settings.rehandshakeIntervalSecs))) {
					// on the inbound path a session due for a rehandshake keeps serving:
					// the answer to a
					// handshake started here could not be processed while this thread
					// waits for it
					sendTransport(context, p, peer, session, message);
					return;
				}
				if (inbound) {
					throw new IpcException(ErrorKind.OTHER, "Cannot start a Noise handshake with " + LogSafe.of(peer)
							+ " on the inbound path (a direct-dispatch handler, or the receive thread): its answer "
							+ "comes through this same thread; send from another thread");
				}
				if (round > MAX_SEND_ROUNDS) {
					throw new IpcException(ErrorKind.OTHER, "No Noise session with " + peer + " after "
							+ MAX_SEND_ROUNDS + " handshakes: the peer keeps invalidating it");
				}
				Attempt current = p.liveAttempt(settings.handshakeTimeoutNanos);
				if (current != null && current.awaitingFinish()) {
					other = current;
				}
				else {
					long now = System.nanoTime();
					if (retryUntilDeadline && deadlineNanos - now <= 0) {
						throw deadlinePassed(peer, attempts);
					}
					long attemptDeadline = now + settings.handshakeTimeoutNanos;
					if (retryUntilDeadline && deadlineNanos - attemptDeadline < 0) {
						attemptDeadline = deadlineNanos;
					}
					mine = start(context, p, peer, attemptDeadline);
					attempts++;
				}
			}
			finally {
				p.lock.unlock();
			}
			boolean retry;
			if (mine != null) {
				try {
					awaitOwn(context, peer, mine);
					retry = false;
				}
				catch (IpcException ex) {
					boolean timedOut = mine.state == Attempt.State.TIMED_OUT;
					if (!timedOut || !retryUntilDeadline || deadlineNanos - System.nanoTime() <= 0) {
						if (timedOut && retryUntilDeadline && attempts > 1) {
							throw deadlinePassed(peer, attempts);
						}
						throw ex;
					}
					log.debug("Noise: no HandshakeFinish from {} in time; retrying within the caller's deadline",
							LogSafe.of(peer));
					retry = true;
				}
			}
			else {
				retry = awaitOther(Objects.requireNonNull(other), peer, deadlineNanos, retryUntilDeadline);
			}
			if (retry) {
				round--; // a timed-out attempt does not count against the rounds for
							// vanishing sessions
			}
		}
	}

	/**
	 * Reserve (durable stores), encrypt, save, send: the nonce is persisted before the
	 * frame leaves. Locked.
	 */
	private void sendTransport(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session,
			OutgoingMessage message) {
		if (message.payload().length > NoiseTransportState.MAX_PLAINTEXT_LENGTH) {
			Fragmenter.send(p, session, peer, message, (head, headLength, body, offset, length,
					topic) -> sendFragment(context, p, peer, session, head, headLength, body, offset, length, topic));
			return;
		}
		sendFrame(context, p, peer, session, message.payload(), message.topic());
	}

	/** Encrypts and sends one transport frame. Locked. */
	private void sendFrame(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session,
			byte[] plaintext, @Nullable String topic) {
		TransportFrame frame;
		SessionAccess.beforeEncrypt(context, p, peer, session);
		try {
			frame = session.state().encrypt(plaintext);
		}
		catch (IllegalStateException ex) {
			throw exhausted(context, p, peer, session, ex);
		}
		SessionAccess.afterEncrypt(context, peer, session);
		deliver(context, p, peer, session, NoiseFrameCodec.encode(frame), topic);
	}

	/**
	 * Encrypts one fragment ({@code head ‖ body[offset, +length)}) straight into its
	 * encoded frame and sends it. Locked.
	 */
	private void sendFragment(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session,
			byte[] head, int headLength, byte[] body, int offset, int length, String topic) {
		SessionAccess.beforeEncrypt(context, p, peer, session);
		NoiseTransportState state = session.state();
		int ciphertextLength = headLength + length + NoiseCipher.TAG_LENGTH;
		byte[] bytes = NoiseFrameCodec.transportShell(ciphertextLength, state.sendNonce() + 1);
		try {
			state.encryptInto(head, headLength, body, offset, length, bytes,
					NoiseFrameCodec.transportCiphertextOffset(ciphertextLength));
		}
		catch (IllegalStateException ex) {
			throw exhausted(context, p, peer, session, ex);
		}
		SessionAccess.afterEncrypt(context, peer, session);
		deliver(context, p, peer, session, bytes, topic);
	}

	private IpcException exhausted(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer,
			NoiseSession session, IllegalStateException ex) {
		removeSession(context, p, peer, session, "send nonce exhausted");
		return new IpcException(ErrorKind.OTHER, "The Noise session with " + peer + " cannot encrypt any more ("
				+ ex.getMessage() + "); the next send handshakes again");
	}

	/** Sends an encoded transport frame; a failure is classified and thrown. Locked. */
	private void deliver(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session,
			byte[] bytes, @Nullable String topic) {
		DeliveryGuard.enter();
		try {
			context.backend().send(new OutgoingMessage(bytes, peer, topic));
		}
		catch (IpcException ex) {
			if (ex.kind() == ErrorKind.UNREACHABLE) {
				log.debug("Noise: {} is unreachable; dropping its session so the next send handshakes again",
						LogSafe.of(peer));
				removeSession(context, p, peer, session, "destination unreachable");
				p.clearPrevious();
				p.clearPending();
			}
			else if (ex.kind() == ErrorKind.FATAL) {
				log.error("Noise: fatal transport error sending to {}; dropping its session", LogSafe.of(peer));
				removeSession(context, p, peer, session, "fatal transport error");
			}
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new IpcException(ErrorKind.OTHER, "Transport failed to send a message to " + peer + ": " + ex, ex);
		}
		finally {
			DeliveryGuard.exit();
		}
	}

	/**
	 * Writes message 1, registers the attempt and sends the {@code HandshakeStart}, all
	 * under the peer's lock so that the start and any {@code HandshakeFinish} this side
	 * sends to the same peer are ordered on the wire (the tie-break of simultaneous
	 * initiations relies on it).
	 */
	private Attempt start(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, long deadlineNanos) {
		NoiseSuite suite = settings.initiatorSuite;
		NoiseHandshake handshake;
		byte[] message1;
		PeerAuthenticator.Plan plan = null;
		if (settings.auth != null) {
			plan = AuthenticatedHandshakes.plan(settings.auth, context, peer, suite);
			handshake = plan.handshake();
			message1 = plan.message1();
		}
		else {
			try {
				handshake = NoiseHandshake.initiator(suite);
			}
			catch (NoiseProtocolException ex) {
				throw new IpcException(ErrorKind.OTHER, "Cannot initiate a Noise handshake: " + ex.getMessage(), ex);
			}
			try {
				message1 = handshake.writeMessage();
			}
			catch (NoiseProtocolException | RuntimeException ex) {
				handshake.close();
				throw new IpcException(ErrorKind.OTHER, "Cannot write the Noise handshake message: " + ex.getMessage(),
						ex);
			}
		}
		NoisePattern pattern = handshake.pattern();
		Attempt attempt = new Attempt(suite, NoiseSettings.ephemeralOf(suite, message1), handshake, deadlineNanos);
		attempt.plan = plan;
		Attempt replaced = p.attempt;
		if (replaced != null) {
			p.keepStaleProbe(replaced, settings.staleProbeDeadline()); // its finish may
																		// still come:
																		// stale then
		}
		p.attempt = attempt;
		context.events().handshakeStarted(peer, suite.protocolName(pattern), true);
		log.debug("Noise: initiating a {} handshake with {}", suite.protocolName(pattern), LogSafe.of(peer));
		DeliveryGuard.enter();
		try {
			context.backend()
				.send(new OutgoingMessage(
						NoiseFrameCodec.encode(
								new HandshakeStart(suite, message1, pattern, settings.fragmentation.startExtension())),
						peer, null));
		}
		catch (RuntimeException ex) {
			IpcException failure = NoiseSettings.asIpcException(ex,
					"Transport failed to send the HandshakeStart to " + peer);
			fail(settings, context, p, peer, attempt, Attempt.State.FAILED, failure,
					failure.kind() == ErrorKind.UNREACHABLE ? "destination unreachable" : "transport send failed");
			if (failure.kind() == ErrorKind.UNREACHABLE) {
				NoiseSession stale = SessionAccess.load(context, p, peer);
				if (stale != null) {
					removeSession(context, p, peer, stale, "destination unreachable");
				}
				p.clearPrevious();
				p.clearPending();
			}
			throw failure;
		}
		finally {
			DeliveryGuard.exit();
		}
		return attempt;
	}

	/**
	 * Waits (without the lock) until the inbound path settles {@code attempt}, or its
	 * deadline passes.
	 */
	private void awaitOwn(CryptoContext<NoiseSession> context, Endpoint peer, Attempt attempt) {
		// the next handshake's ephemeral key, generated while this one's answer is on its
		// way
		EphemeralKeys.refill(attempt.suite.dh());
		try {
			attempt.outcome.get(Math.max(0, attempt.deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
			return;
		}
		catch (TimeoutException ex) {
			endUnlessSettled(context, peer, attempt, Attempt.State.TIMED_OUT, timeout(peer, attempt), "timeout");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			endUnlessSettled(context, peer, attempt, Attempt.State.FAILED,
					new IpcException(ErrorKind.OTHER, "Interrupted while waiting for the Noise handshake with " + peer),
					"failed");
		}
		catch (ExecutionException ex) {
			// settled as failed by the inbound path or a departure: reported below
		}
		outcomeOf(attempt, peer);
	}

	/**
	 * Ends {@code attempt} as {@code state} unless the inbound path settled it meanwhile.
	 */
	private void endUnlessSettled(CryptoContext<NoiseSession> context, Endpoint peer, Attempt attempt,
			Attempt.State state, IpcException failure, String reason) {
		PeerState p = peers.lock(context.sessions(), peer);
		try {
			if (attempt.awaitingFinish()) {
				fail(settings, context, p, peer, attempt, state, failure, reason);
			}
		}
		finally {
			p.lock.unlock();
		}
	}

	/** Returns if the attempt produced a session, else throws its failure. */
	private static void outcomeOf(Attempt attempt, Endpoint peer) {
		try {
			attempt.outcome.getNow(null);
		}
		catch (java.util.concurrent.CompletionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof IpcException ipc) {
				throw ipc;
			}
			throw new IpcException(ErrorKind.OTHER, "Noise handshake with " + peer + " failed: " + cause, cause);
		}
	}

	/**
	 * Waits for another sender's handshake with the same peer. Returns {@code true} when
	 * it timed out and this caller's own deadline leaves room for a new attempt.
	 */
	private boolean awaitOther(Attempt other, Endpoint peer, long deadlineNanos, boolean retryUntilDeadline) {
		long waitNanos = other.deadlineNanos + JOIN_MARGIN_NANOS - System.nanoTime();
		if (retryUntilDeadline) {
			waitNanos = Math.min(waitNanos, deadlineNanos - System.nanoTime());
		}
		try {
			other.outcome.get(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
			return false;
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (other.state == Attempt.State.TIMED_OUT && retryUntilDeadline && deadlineNanos - System.nanoTime() > 0) {
				return true;
			}
			if (cause instanceof IpcUnreachableException) {
				throw new IpcUnreachableException(peer, "handshake failed");
			}
			if (cause instanceof IpcException ipc) {
				throw new IpcException(ipc.kind(), ipc.getMessage(), ipc);
			}
			throw new IpcException(ErrorKind.OTHER, "Noise handshake with " + peer + " failed: " + cause, cause);
		}
		catch (TimeoutException ex) {
			throw new IpcException(ErrorKind.OTHER, "Noise handshake with " + LogSafe.of(peer)
					+ " (started by another sender) timed out: it did not complete in time");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IpcException(ErrorKind.OTHER, "Interrupted while waiting for the Noise handshake with " + peer);
		}
	}

	/**
	 * Ends {@code attempt} as failed ({@code state}: timed out, peer left, failed) and
	 * wakes its senders with {@code failure}. Locked. A timed-out attempt's handshake is
	 * kept to recognise its late answer.
	 */
	static void fail(NoiseSettings settings, CryptoContext<NoiseSession> context, PeerState p, Endpoint peer,
			Attempt attempt, Attempt.State state, IpcException failure, String reason) {
		if (!attempt.awaitingFinish()) {
			return;
		}
		attempt.end(state);
		if (p.attempt == attempt) {
			p.attempt = null;
		}
		if (state == Attempt.State.TIMED_OUT) {
			p.keepStaleProbe(attempt, settings.staleProbeDeadline());
		}
		else {
			attempt.releaseHandshake();
		}
		attempt.outcome.completeExceptionally(failure);
		context.events().handshakeFailed(peer, reason);
		log.debug("Noise: handshake with {} failed: {}", LogSafe.of(peer), LogSafe.of(failure.getMessage()));
	}

	/** Removes and zeroes {@code session}. Locked. */
	static void removeSession(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session,
			String reason) {
		SessionAccess.remove(context, p, peer);
		session.close();
		context.events().sessionInvalidated(peer, reason);
	}

	private IpcException deadlinePassed(Endpoint peer, int attempts) {
		return new IpcException(ErrorKind.OTHER,
				"Noise handshake with " + LogSafe.of(peer) + " timed out: no "
						+ "HandshakeFinish within the call's deadline (" + attempts + " attempt(s) of at most "
						+ settings.handshakeTimeout.toMillis() + " ms each)");
	}

	private IpcException timeout(Endpoint peer, Attempt attempt) {
		String failure = attempt.authenticationFailure;
		return new IpcException(ErrorKind.OTHER,
				"Noise handshake with " + LogSafe.of(peer) + " timed out after " + settings.handshakeTimeout.toMillis()
						+ " ms (" + (failure == null ? "no HandshakeFinish" : failure) + ")");
	}

}
