package dev.ipc.crypto.noise;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.crypto.noise.NoiseFrame.CryptoInvalidated;
import dev.ipc.event.DropReason;
import dev.ipc.internal.LogLimiter;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * The options of one {@link NoiseCryptoProvider} and the small operations all its parts
 * share: time arithmetic, deriving a session from a finished handshake, reporting drops,
 * sending protocol frames. Immutable apart from the warning limiter; thread-safe.
 */
final class NoiseSettings {

	private static final Logger log = LoggerFactory.getLogger(NoiseCryptoProvider.class);

	/** At most one peer-triggerable WARN line per kind per this interval. */
	private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	final NoiseSuite initiatorSuite;

	final Duration handshakeTimeout;

	final long handshakeTimeoutNanos;

	final Duration rehandshakeInterval;

	final long rehandshakeIntervalSecs;

	final Clock clock;

	final int cryptoInvalidatedPermits;

	final Duration cryptoInvalidatedInterval;

	final Duration previousSessionGrace;

	final Predicate<NoiseSuite> suiteAvailable;

	final Duration departedRetention;

	final int handshakePermits;

	final Duration handshakeInterval;

	final LogLimiter warnings = new LogLimiter(WARN_INTERVAL_NANOS);

	/** Large messages: limits, advertised features, reassembly. */
	final Fragmentation fragmentation;

	/** Authenticated patterns and policies; {@code null}: plain NN with everyone. */
	final @Nullable PeerAuthenticator auth;

	NoiseSettings(NoiseSuite initiatorSuite, Duration handshakeTimeout, Duration rehandshakeInterval, Clock clock,
			int cryptoInvalidatedPermits, Duration cryptoInvalidatedInterval, Duration previousSessionGrace,
			Predicate<NoiseSuite> suiteAvailable, Duration departedRetention, int handshakePermits,
			Duration handshakeInterval, FragmentLimits fragmentLimits, @Nullable PeerAuthenticator auth) {
		this.fragmentation = new Fragmentation(fragmentLimits);
		this.auth = auth;
		this.initiatorSuite = initiatorSuite;
		this.handshakeTimeout = handshakeTimeout;
		this.handshakeTimeoutNanos = handshakeTimeout.toNanos();
		this.rehandshakeInterval = rehandshakeInterval;
		this.rehandshakeIntervalSecs = rehandshakeInterval.getSeconds();
		this.clock = clock;
		this.cryptoInvalidatedPermits = cryptoInvalidatedPermits;
		this.cryptoInvalidatedInterval = cryptoInvalidatedInterval;
		this.previousSessionGrace = previousSessionGrace;
		this.suiteAvailable = suiteAvailable;
		this.departedRetention = departedRetention;
		this.handshakePermits = handshakePermits;
		this.handshakeInterval = handshakeInterval;
	}

	long nowSecs() {
		return Math.floorDiv(clock.millis(), 1000L);
	}

	/**
	 * How long an unconfirmed responder session waits for the peer's first frame under it
	 * (clock millis).
	 */
	long pendingLifetimeMillis() {
		return Math.max(previousSessionGrace.toMillis(), 2 * handshakeTimeout.toMillis());
	}

	/**
	 * Until when the handshake state of an abandoned attempt recognises its late answer
	 * (nanoTime).
	 */
	long staleProbeDeadline() {
		return System.nanoTime() + Math.max(4 * handshakeTimeoutNanos, TimeUnit.SECONDS.toNanos(10));
	}

	/**
	 * When a retired session stops decrypting; 0 (close at once) when the grace period is
	 * disabled.
	 */
	long graceDeadline() {
		return previousSessionGrace.isZero() ? 0 : clock.millis() + previousSessionGrace.toMillis();
	}

	/** The transport session of a finished handshake (closes the handshake). */
	NoiseSession sessionFrom(NoiseHandshake handshake, boolean initiator, NoiseSuite suite) {
		try (NoiseSplit split = handshake.split()) {
			byte[] hash = handshake.handshakeHash();
			try {
				return new NoiseSession(
						NoiseTransportState.fromSplit(split, initiator, suite.transportCipher(), nowSecs()), hash);
			}
			finally {
				Arrays.fill(hash, (byte) 0);
			}
		}
		finally {
			handshake.close();
		}
	}

	/**
	 * The initiator's ephemeral public key: the head of message 1 (its payload is empty).
	 */
	static byte[] ephemeralOf(NoiseSuite suite, byte[] message1) {
		int length = suite == NoiseSuite.P256_AESGCM_SHA256 ? 65 : 32;
		return Arrays.copyOf(message1, Math.min(length, message1.length));
	}

	void drop(CryptoContext<NoiseSession> context, DropReason reason, Endpoint peer, @Nullable String detail) {
		log.debug("Noise: dropping a frame from {} ({}): {}", LogSafe.of(peer), reason, LogSafe.of(detail));
		context.events().messageDropped(reason, peer);
	}

	/**
	 * Sends a frame the protocol requires; only a fatal transport error is thrown. Runs
	 * on the inbound path, under the peer's lock but without a
	 * {@link dev.ipc.internal.DeliveryGuard}: the receiving side may process the frame on
	 * this thread (the in-memory bus), which cannot deadlock because inbound processing
	 * only ever waits for locks that guarded senders hold, and those never wait for
	 * anything while holding them (their sends to us are queued, not processed).
	 */
	void sendProtocolFrame(CryptoContext<NoiseSession> context, Endpoint peer, NoiseFrame frame, String what) {
		try {
			context.backend().send(new OutgoingMessage(NoiseFrameCodec.encode(frame), peer, null));
		}
		catch (IpcException ex) {
			if (ex.kind() == ErrorKind.FATAL) {
				throw ex;
			}
			log.debug("Noise: could not send {} to {}: {}", what, LogSafe.of(peer), LogSafe.of(ex.getMessage()));
		}
		catch (RuntimeException ex) {
			warnings.warn(log, "protocol-send", "Noise: could not send {} to {}: {}", what, LogSafe.of(peer),
					LogSafe.of(ex));
		}
	}

	/** Rate-limited per peer. Under the peer's lock. */
	void sendCryptoInvalidated(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer) {
		if (!p.tryAcquireInvalidation(clock.millis(), cryptoInvalidatedPermits, cryptoInvalidatedInterval.toMillis())) {
			log.debug("Noise: CryptoInvalidated to {} suppressed by the rate limit", LogSafe.of(peer));
			return;
		}
		sendProtocolFrame(context, peer, CryptoInvalidated.INSTANCE, "CryptoInvalidated");
	}

	static IpcException asIpcException(RuntimeException ex, String context) {
		if (ex instanceof IpcException ipc) {
			return ipc;
		}
		return new IpcException(ErrorKind.OTHER, context + ": " + ex, ex);
	}

}
