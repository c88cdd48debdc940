package dev.ipc.crypto.noise;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.crypto.noise.NoiseFrame.CryptoInvalidated;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeFinish;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeRefused;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * The receive side of the Noise provider: one incoming frame in, the application message
 * (or nothing) out. It answers handshakes as responder, is the only reader of the answers
 * to our own handshakes (it settles the {@link Attempt} the sender waits on), resolves
 * simultaneous initiations, and handles invalidations. It never waits: the only blocking
 * it does is taking the peer's lock, which senders hold for an encrypt and a non-blocking
 * transport send.
 */
final class InboundHandler {

	private static final Logger log = LoggerFactory.getLogger(NoiseCryptoProvider.class);

	private final NoiseSettings settings;

	private final PeerTable peers;

	InboundHandler(NoiseSettings settings, PeerTable peers) {
		this.settings = settings;
		this.peers = peers;
	}

	@Nullable IncomingMessage process(CryptoContext<NoiseSession> context, IncomingMessage message) {
		settings.fragmentation.sweep(false);
		Endpoint peer = message.source().toEndpoint();
		byte[] payload = message.payload();
		if (payload.length > NoiseFrameCodec.MAX_FRAME_LENGTH) {
			settings.drop(context, DropReason.OVERSIZED_FRAME, peer, "frame of " + payload.length + " bytes");
			return null;
		}
		NoiseFrame frame;
		try {
			frame = NoiseFrameCodec.decode(payload);
		}
		catch (NoiseFrameException ex) {
			settings.drop(context, DropReason.MALFORMED_FRAME, peer, ex.getMessage());
			return null;
		}
		if (frame instanceof TransportFrame transport) {
			return onTransport(context, message, peer, transport);
		}
		if (frame instanceof HandshakeStart start) {
			onHandshakeStart(context, peer, start);
		}
		else if (frame instanceof HandshakeFinish finish) {
			onHandshakeFinish(context, peer, finish);
		}
		else if (frame instanceof CryptoInvalidated) {
			onCryptoInvalidated(context, peer);
		}
		else if (frame instanceof HandshakeRefused refused) {
			onHandshakeRefused(context, peer, refused);
		}
		return null;
	}

	private @Nullable IncomingMessage onTransport(CryptoContext<NoiseSession> context, IncomingMessage message,
			Endpoint peer, TransportFrame frame) {
		// the ciphertext is read where it lies in the received frame
		byte[] in = frame.payloadArray();
		int at = frame.payloadOffset();
		int length = frame.payloadLength();
		PeerState p = peers.lock(context.sessions(), peer);
		try {
			NoiseSession session = SessionAccess.load(context, p, peer);
			NoiseTransportException failure = null;
			if (session != null) {
				try {
					byte[] plaintext = session.state().decrypt(frame.nonce(), in, at, length);
					SessionAccess.afterDecrypt(context, p, peer, session);
					return AuthenticatedHandshakes.admit(settings, context, p, peer, session)
							? settings.fragmentation.onPlaintext(context, p, peer, message, plaintext) : null;
				}
				catch (NoiseTransportException ex) {
					failure = ex;
				}
			}
			PeerState.Confirmed confirmed = p.decryptWithPending(frame.nonce(), in, at, length);
			if (confirmed != null) {
				// key confirmation: the peer holds the keys of its newer handshake, so
				// switch to it now
				SessionAccess.install(context, p, peer, confirmed.session());
				p.clearPending();
				p.retire(session, settings.graceDeadline());
				log.debug("Noise: {} confirmed its new handshake; switching to the new session", LogSafe.of(peer));
				return AuthenticatedHandshakes.admit(settings, context, p, peer, confirmed.session())
						? settings.fragmentation.onPlaintext(context, p, peer, message, confirmed.plaintext()) : null;
			}
			PeerState.Opened opened = p.decryptWithPrevious(frame.nonce(), in, at, length, settings.clock.millis());
			if (opened != null) {
				Attempt wonBy = opened.from().wonBy;
				if (opened.from().departed) {
					if (session == null) {
						// a peer that left and came back still holding its session (a
						// durable store): reclaim it
						p.previous.remove(opened.from());
						SessionAccess.install(context, p, peer, opened.from().session);
						log.debug("Noise: {} rejoined with its previous session; keeping it", LogSafe.of(peer));
					}
				}
				else if (wonBy != null && wonBy.state == Attempt.State.COMMITTED) {
					adoptPeersChoice(context, p, peer, opened.from());
				}
				return AuthenticatedHandshakes.admit(settings, context, p, peer, opened.from().session)
						? settings.fragmentation.onPlaintext(context, p, peer, message, opened.plaintext()) : null;
			}
			if (failure == null) {
				settings.drop(context, DropReason.NO_SESSION, peer, "no session");
				settings.sendCryptoInvalidated(context, p, peer);
				return null;
			}
			switch (failure.reason()) {
				case REPLAYED -> settings.drop(context, DropReason.REPLAYED_FRAME, peer, failure.getMessage());
				case MALFORMED -> settings.drop(context, DropReason.MALFORMED_FRAME, peer, failure.getMessage());
				case OVERSIZED -> settings.drop(context, DropReason.OVERSIZED_FRAME, peer, failure.getMessage());
				case DECRYPT_FAILED -> {
					settings.drop(context, DropReason.DECRYPTION_FAILED, peer, failure.getMessage());
					settings.sendCryptoInvalidated(context, p, peer);
				}
			}
			return null;
		}
		finally {
			p.lock.unlock();
		}
	}

	/** The responder flow (spec §4.4) plus the tie-break of simultaneous initiations. */
	private void onHandshakeStart(CryptoContext<NoiseSession> context, Endpoint peer, HandshakeStart start) {
		NoiseSuite suite = start.ciphersuite();
		PeerState limited = peers.lock(context.sessions(), peer);
		try {
			if (!limited.tryAcquireHandshake(settings.clock.millis(), settings.handshakePermits,
					settings.handshakeInterval.toMillis())) {
				settings.drop(context, DropReason.RATE_LIMITED, peer, "HandshakeStart over the per-peer rate limit");
				settings.warnings.warn(log, "handshake-rate",
						"Noise: {} sends more than {} HandshakeStarts per {} ms; " + "ignoring the excess",
						LogSafe.of(peer), settings.handshakePermits, settings.handshakeInterval.toMillis());
				return;
			}
		}
		finally {
			limited.lock.unlock();
		}
		if (!settings.suiteAvailable.test(suite)) {
			settings.warnings.warn(log, "suite-unavailable",
					"Noise: refusing a {} handshake from {}: BLAKE2s needs "
							+ "Bouncy Castle (org.bouncycastle:bcprov-jdk18on) on the classpath",
					suite.protocolName(), LogSafe.of(peer));
			context.events()
				.handshakeFailed(peer, "cipher suite " + suite.protocolName() + " unavailable (needs Bouncy Castle)");
			context.events().messageDropped(DropReason.UNEXPECTED_FRAME, peer);
			return;
		}
		long started = System.nanoTime();
		context.events().handshakeStarted(peer, start.protocolName(), false);
		byte[] message1 = start.noiseFrame();
		AuthenticatedHandshakes.Answer answer = AuthenticatedHandshakes.respond(settings, context, peer, start);
		if (answer == null) {
			return; // refused or malformed: reported
		}
		byte[] message2 = answer.message2();
		NoiseSession candidate = answer.candidate();
		byte[] theirs = NoiseSettings.ephemeralOf(suite, message1);
		PeerState p = peers.lock(context.sessions(), peer);
		try {
			Attempt attempt = p.liveAttempt(settings.handshakeTimeoutNanos);
			boolean concurrent = attempt != null && attempt.awaitingFinish() && attempt.competitor == null;
			boolean installed;
			if (concurrent) {
				attempt.competitor = theirs;
				installed = Arrays.compareUnsigned(theirs, attempt.ephemeral) < 0;
				log.debug("Noise: simultaneous handshakes with {}: {} wins", LogSafe.of(peer),
						installed ? "theirs" : "ours");
			}
			else {
				installed = true;
			}
			NoiseSession current = installed && !concurrent ? SessionAccess.load(context, p, peer) : null;
			if (current != null) {
				// key confirmation: keep sending (and receiving) with the current session
				// until the peer's first
				// frame under the new one proves it holds its keys; a replayed or forged
				// HandshakeStart, whose sender
				// cannot derive them, thus never displaces a working session
				p.addPending(candidate, settings.clock.millis() + settings.pendingLifetimeMillis());
			}
			else if (installed) {
				NoiseSession old = SessionAccess.load(context, p, peer);
				SessionAccess.install(context, p, peer, candidate);
				p.retire(old, settings.graceDeadline());
				p.dropDeparted(); // a rejoined peer with a new session will not reclaim
									// its old one
				if (attempt != null && attempt.awaitingFinish()) {
					attempt.end(Attempt.State.SUPERSEDED); // its finish may still come;
															// consumed quietly
					attempt.outcome.complete(null); // the sender goes on with the session
													// now stored
					log.debug("Noise: our handshake with {} was superseded by the peer's simultaneous one",
							LogSafe.of(peer));
				}
			}
			else {
				// our handshake wins on both sides, but the peer may encrypt with this
				// one until it learns so
				p.retire(candidate, settings.graceDeadline(), attempt);
			}
			settings.sendProtocolFrame(context, peer, new HandshakeFinish(message2), "HandshakeFinish");
		}
		finally {
			p.lock.unlock();
		}
		context.events().handshakeCompleted(peer, start.protocolName(), false, System.nanoTime() - started);
	}

	/**
	 * The one verifier of a {@code HandshakeFinish}: it settles our attempt, or is
	 * dropped as stale or unexpected.
	 */
	private void onHandshakeFinish(CryptoContext<NoiseSession> context, Endpoint peer, HandshakeFinish finish) {
		PeerState p = peers.lock(context.sessions(), peer);
		try {
			Attempt attempt = p.liveAttempt(settings.handshakeTimeoutNanos);
			if (attempt == null || !attempt.expectsFinish()) {
				dropStrayFinish(context, p, peer, finish, "HandshakeFinish without a handshake in progress");
				return;
			}
			NoiseHandshake trial = attempt.handshake.copy();
			byte[] payload;
			try {
				payload = trial.readMessageWithPayload(finish.noiseFrame());
			}
			catch (NoiseProtocolException | RuntimeException ex) {
				trial.close();
				if (p.matchesStaleProbe(finish.noiseFrame(), System.nanoTime())) {
					settings.drop(context, DropReason.STALE_HANDSHAKE, peer,
							"late HandshakeFinish for an abandoned handshake");
				}
				else if (!AuthenticatedHandshakes.noteUnauthenticatedFinish(context, peer, attempt)) {
					settings.drop(context, DropReason.UNEXPECTED_FRAME, peer,
							"HandshakeFinish does not answer our handshake");
				}
				return;
			}
			if (attempt.state == Attempt.State.SUPERSEDED) {
				trial.close(); // the peer's simultaneous handshake won; this is the
								// answer to ours
				p.unregister(attempt);
				return;
			}
			AuthenticatedHandshakes.Outcome outcome = AuthenticatedHandshakes.finished(settings, context, peer, attempt,
					payload, trial);
			IpcException refused = outcome.refused();
			if (refused != null) {
				trial.close();
				Initiator.fail(settings, context, p, peer, attempt, Attempt.State.FAILED, refused,
						"authentication: pairing refused");
				return;
			}
			NoiseSession candidate = settings.sessionFrom(trial, true, attempt.suite)
				.fragmentLimit(settings.fragmentation.limitFrom(AuthenticatedHandshakes.featuresOf(attempt, payload)));
			if (settings.auth != null) {
				settings.auth.register(candidate, outcome.identity(), null);
			}
			// awaiting: a competitor, if any, lost the tie-break when its start came in
			// (else we would be superseded)
			NoiseSession old = SessionAccess.load(context, p, peer);
			SessionAccess.install(context, p, peer, candidate);
			p.retire(old, settings.graceDeadline());
			p.retirePending(settings.graceDeadline()); // the peer's older handshakes:
														// decrypt-only, never adopted
			p.dropDeparted();
			attempt.end(Attempt.State.COMMITTED);
			p.unregister(attempt);
			attempt.outcome.complete(null);
			context.events()
				.handshakeCompleted(peer, attempt.suite.protocolName(), true, System.nanoTime() - attempt.startedNanos);
			log.debug("Noise: handshake with {} complete", LogSafe.of(peer));
		}
		finally {
			p.lock.unlock();
		}
	}

	/**
	 * A finish that answers an abandoned attempt of ours is stale (harmless); anything
	 * else is unexpected.
	 */
	private void dropStrayFinish(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer,
			HandshakeFinish finish, String detail) {
		if (p.matchesStaleProbe(finish.noiseFrame(), System.nanoTime())) {
			settings.drop(context, DropReason.STALE_HANDSHAKE, peer, "late HandshakeFinish for an abandoned handshake");
		}
		else {
			settings.drop(context, DropReason.UNEXPECTED_FRAME, peer, detail);
		}
	}

	/** The peer refused our handshake: our attempt fails at once with its reason. */
	private void onHandshakeRefused(CryptoContext<NoiseSession> context, Endpoint peer, HandshakeRefused refused) {
		PeerState p = peers.lock(context.sessions(), peer);
		try {
			Attempt attempt = p.liveAttempt(settings.handshakeTimeoutNanos);
			if (attempt == null || !attempt.awaitingFinish()) {
				settings.drop(context, DropReason.UNEXPECTED_FRAME, peer, "HandshakeRefused without a handshake");
				return;
			}
			String message = AuthenticatedHandshakes.refusedBy(peer, attempt.handshake.pattern(), refused);
			settings.warnings.warn(log, "auth-refused-by-peer", "{}", message); // escaped
			context.events().messageDropped(DropReason.AUTHENTICATION_FAILED, peer);
			Initiator.fail(settings, context, p, peer, attempt, Attempt.State.FAILED,
					new IpcException(ErrorKind.OTHER, message), "authentication: refused by the peer");
		}
		finally {
			p.lock.unlock();
		}
	}

	private void onCryptoInvalidated(CryptoContext<NoiseSession> context, Endpoint peer) {
		PeerState p = peers.lock(context.sessions(), peer);
		try {
			Attempt attempt = p.liveAttempt(settings.handshakeTimeoutNanos);
			if (attempt != null && attempt.expectsFinish()) {
				// sent before the peer processed our HandshakeStart: about the session
				// being replaced anyway
				log.debug("Noise: ignoring a stale CryptoInvalidated from {} (our handshake is in progress)",
						LogSafe.of(peer));
				return;
			}
			NoiseSession session = SessionAccess.load(context, p, peer);
			if (session == null) {
				return;
			}
			SessionAccess.remove(context, p, peer);
			p.retire(session, settings.graceDeadline());
			context.events().sessionInvalidated(peer, IpcEventListener.PEER_COULD_NOT_DECRYPT);
			log.debug("Noise: {} invalidated our session; the next send handshakes again", LogSafe.of(peer));
		}
		finally {
			p.lock.unlock();
		}
	}

	/**
	 * The peer encrypts with the session that lost the tie-break although it has already
	 * answered our winning handshake: a Java peer never does that (it switches to the
	 * winner before it answers), so the peer applies no tie-break (a Bitwarden peer keeps
	 * whichever session it saved last). Use its choice, so that both sides converge.
	 * Locked.
	 */
	private void adoptPeersChoice(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer,
			PeerState.Previous chosen) {
		p.previous.remove(chosen);
		NoiseSession current = SessionAccess.load(context, p, peer);
		SessionAccess.install(context, p, peer, chosen.session);
		p.retire(current, settings.graceDeadline());
		settings.warnings.warn(log, "adopt",
				"Noise: {} kept the session of the handshake that lost the "
						+ "simultaneous-initiation tie-break (a peer without the tie-break); using the same one",
				LogSafe.of(peer));
	}

}
