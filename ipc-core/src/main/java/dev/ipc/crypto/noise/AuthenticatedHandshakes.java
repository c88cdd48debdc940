package dev.ipc.crypto.noise;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.crypto.noise.NoiseFrame.HandshakeRefused;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.event.DropReason;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * The glue between the Noise provider's handshake flow ({@link Initiator},
 * {@link InboundHandler}) and {@link PeerAuthenticator}: it turns the authenticator's
 * decisions into frames, events, drops and errors, so that the flow itself only gains a
 * few calls. A refusal is always loud on both sides: a WARN line here (rate-limited, peer
 * text escaped), {@link DropReason#AUTHENTICATION_FAILED} and {@code handshakeFailed}, a
 * {@code HandshakeRefused} frame to the peer, whose sender fails with the reason.
 */
final class AuthenticatedHandshakes {

	private static final Logger log = LoggerFactory.getLogger(NoiseCryptoProvider.class);

	private AuthenticatedHandshakes() {
	}

	/** A responder's answer: message 2 and the session it produced. */
	record Answer(byte[] message2, NoiseSession candidate) {
	}

	/**
	 * The initiation toward {@code peer} the policy allows.
	 * @throws IpcException kind {@link ErrorKind#OTHER}, saying what to change, if the
	 * policy cannot be met
	 */
	static PeerAuthenticator.Plan plan(PeerAuthenticator auth, CryptoContext<NoiseSession> context, Endpoint peer,
			NoiseSuite suite) {
		try {
			return auth.initiate(peer, suite);
		}
		catch (PeerAuthenticator.Refusal ex) {
			context.events().handshakeFailed(peer, "authentication policy not met");
			throw new IpcException(ErrorKind.OTHER, ex.getMessage());
		}
		catch (NoiseProtocolException | RuntimeException ex) {
			throw new IpcException(ErrorKind.OTHER, "Cannot initiate a Noise handshake: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Runs the responder side of {@code start}: with authentication through the
	 * authenticator, without it plain NN only (anything else is refused). Returns
	 * {@code null} when the start was refused or malformed (already reported).
	 */
	static @Nullable Answer respond(NoiseSettings settings, CryptoContext<NoiseSession> context, Endpoint peer,
			HandshakeStart start) {
		NoiseSuite suite = start.ciphersuite();
		byte[] message1 = start.noiseFrame();
		byte @Nullable [] extension = start.extension(); // the initiator's features, if
															// any
		byte[] features = settings.fragmentation.finishPayload(extension);
		PeerAuthenticator auth = settings.auth;
		try {
			if (auth == null) {
				if (start.pattern() != NoisePattern.NN) {
					refuse(settings, context, peer,
							new PeerAuthenticator.Refusal(
									"Noise: refusing a " + start.pattern() + " handshake from " + LogSafe.of(peer)
											+ ": authentication is not configured here (plain NN only)",
									"authentication not configured; use NN"));
					return null;
				}
				NoiseHandshake responder = NoiseHandshake.responder(suite);
				try {
					responder.readMessage(message1);
					byte[] message2 = responder.writeMessage(features);
					return new Answer(message2, settings.sessionFrom(responder, false, suite)
						.fragmentLimit(settings.fragmentation.limitFrom(extension)));
				}
				catch (NoiseProtocolException | RuntimeException ex) {
					responder.close();
					throw ex;
				}
			}
			PeerAuthenticator.Answer answer = auth.respond(peer, start.pattern(), suite, message1, features);
			// fragments only where our features went out (message 2 carried no keys)
			NoiseSession candidate = settings.sessionFrom(answer.handshake(), false, suite)
				.fragmentLimit(answer.featuresSent() ? settings.fragmentation.limitFrom(extension) : 0);
			auth.register(candidate, answer.identity(), answer.pending());
			return new Answer(answer.message2(), candidate);
		}
		catch (PeerAuthenticator.Refusal ex) {
			refuse(settings, context, peer, ex);
			return null;
		}
		catch (NoiseProtocolException | RuntimeException ex) {
			log.debug("Noise: invalid HandshakeStart from {}: {}", LogSafe.of(peer), LogSafe.of(ex.getMessage()));
			context.events().handshakeFailed(peer, "invalid HandshakeStart");
			context.events().messageDropped(DropReason.MALFORMED_FRAME, peer);
			return null;
		}
	}

	/** Reports a refusal here and tells the peer. */
	static void refuse(NoiseSettings settings, CryptoContext<NoiseSession> context, Endpoint peer,
			PeerAuthenticator.Refusal refusal) {
		// peer text was escaped when the message was built; a changed key has its own
		// limiter key, so other refusals never hide it
		String kind = refusal.peerReason.contains("changed") || refusal.peerReason.contains("do not match")
				? "auth-key-changed" : "auth-refused";
		settings.warnings.warn(log, kind, "{}", refusal.getMessage());
		context.events().handshakeFailed(peer, "authentication: " + refusal.peerReason);
		context.events().messageDropped(DropReason.AUTHENTICATION_FAILED, peer);
		if (settings.auth != null) {
			listener(settings).refused(peer, refusal.peerReason);
		}
		settings.sendProtocolFrame(context, peer, new HandshakeRefused(refusal.peerReason), "HandshakeRefused");
	}

	/**
	 * What a finished initiation proved, or a refusal (then the attempt must fail with
	 * the returned exception). Locked.
	 */
	static Outcome finished(NoiseSettings settings, CryptoContext<NoiseSession> context, Endpoint peer, Attempt attempt,
			byte[] payload, NoiseHandshake completed) {
		PeerAuthenticator auth = settings.auth;
		PeerAuthenticator.Plan plan = attempt.plan;
		if (auth == null || plan == null) {
			return new Outcome(null, null);
		}
		try {
			return new Outcome(auth.initiatorFinished(peer, attempt.suite, plan, payload, completed.handshakeHash()),
					null);
		}
		catch (PeerAuthenticator.Refusal ex) {
			// peer text was escaped when the message was built
			settings.warnings.warn(log, "auth-key-changed", "{}", ex.getMessage());
			context.events().messageDropped(DropReason.AUTHENTICATION_FAILED, peer);
			listener(settings).refused(peer, ex.peerReason);
			return new Outcome(null, new IpcException(ErrorKind.OTHER, ex.getMessage()));
		}
	}

	/**
	 * The part of a responder's message-2 payload that holds its {@link Features}: all of
	 * it, unless the payload carries static keys instead (pairing, or the keys of a
	 * short-authentication-string comparison), which leave no room for features: such a
	 * session takes no fragments until the next handshake (KK after pairing).
	 */
	static byte[] featuresOf(Attempt attempt, byte[] payload) {
		PeerAuthenticator.Plan plan = attempt.plan;
		boolean keys = plan != null && (plan.pattern() == NoisePattern.NNpsk2
				|| (plan.pattern() == NoisePattern.NN && payload.length == PeerAuthenticator.PAIRING_PAYLOAD_LENGTH));
		return keys ? new byte[0] : payload;
	}

	/** The identity a finished initiation proved, or the reason it is refused. */
	record Outcome(@Nullable PeerIdentity identity, @Nullable IpcException refused) {
	}

	/**
	 * A {@code HandshakeFinish} that does not authenticate our attempt: under an
	 * authenticated pattern the attempt remembers it, so its timeout says why. Locked.
	 */
	static boolean noteUnauthenticatedFinish(CryptoContext<NoiseSession> context, Endpoint peer, Attempt attempt) {
		PeerAuthenticator.Plan plan = attempt.plan;
		if (plan == null || plan.pattern() == NoisePattern.NN) {
			return false;
		}
		attempt.authenticationFailure = "a HandshakeFinish came that does not authenticate as " + LogSafe.of(peer)
				+ " (" + plan.pattern()
				+ (plan.pattern() == NoisePattern.KK
						? ": the peer's static key differs from the known one, or someone is in the middle)"
						: ": the peer does not hold our pairing key, or someone is in the middle)");
		context.events().messageDropped(DropReason.AUTHENTICATION_FAILED, peer);
		return true;
	}

	/** Whether a frame decrypted under {@code session} may be delivered. Locked. */
	static boolean admit(NoiseSettings settings, CryptoContext<NoiseSession> context, PeerState p, Endpoint peer,
			NoiseSession session) {
		PeerAuthenticator auth = settings.auth;
		if (auth == null || auth.admit(peer, session)) {
			return true;
		}
		settings.warnings.warn(log, "auth-unauthenticated",
				"Noise: dropping a frame from {}: its session is not authenticated as the peer's policy ({}) "
						+ "requires; asking it to handshake again",
				LogSafe.of(peer), auth.policyFor(peer));
		settings.drop(context, DropReason.AUTHENTICATION_FAILED, peer, "session not authenticated");
		settings.sendCryptoInvalidated(context, p, peer);
		return false;
	}

	private static PeerAuthentication.PairingListener listener(NoiseSettings settings) {
		PeerAuthenticator auth = settings.auth;
		return auth == null ? PeerAuthentication.PairingListener.NONE : auth.listener();
	}

	/** The reason a peer gave for refusing our handshake, escaped. */
	static String refusedBy(Endpoint peer, NoisePattern pattern, HandshakeRefused refused) {
		return "Noise: " + LogSafe.of(peer) + " refused our " + pattern + " handshake: " + LogSafe.of(refused.reason());
	}

}
