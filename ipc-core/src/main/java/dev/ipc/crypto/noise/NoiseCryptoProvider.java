package dev.ipc.crypto.noise;

import dev.ipc.crypto.noise.NoiseFrame.CryptoInvalidated;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeFinish;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.spi.SessionRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Noise NN crypto provider, wire-compatible with the {@code bitwarden-ipc} Noise provider (spec §4): a sender
 * with no (fresh) session for its destination runs the two-message handshake first, then every application message
 * travels as a CBOR {@code TransportFrame} (AEAD with the session key, nonces 1, 2, 3, ..., empty associated data)
 * with its topic in clear; an encrypted frame from a peer we hold no session for is answered with
 * {@code CryptoInvalidated}, which makes the peer handshake again on its next send.
 *
 * <p>Defaults as the reference: initiate with {@link NoiseSuite#DEFAULT} (P-256), accept all three suites as
 * responder, wait 2 s for the {@code HandshakeFinish}, rehandshake on send
 * when the session is more than 300 s old, at most {@value #MAX_PLAINTEXT_LENGTH} bytes per message. Sessions live in
 * the {@link SessionRepository} of the {@link CryptoContext} in the reference's shape ({@link NoiseSession}).
 *
 * <p>Deliberate fixes of the reference's behaviour (the wire format is unchanged; see {@code docs/crypto-protocol.md}):
 * <ul>
 * <li><b>Per-peer locking.</b> Every change to one peer's session (encrypt and save on send, decrypt and save on
 * receive, responder save, invalidation) happens under that peer's lock; there is no process-wide lock. The lock is
 * never held while waiting for a handshake reply: concurrent senders to a peer that is handshaking wait for that one
 * handshake, senders to other peers and the receive loop go on.</li>
 * <li><b>Simultaneous initiation is resolved deterministically.</b> When both peers send their
 * {@code HandshakeStart} before processing the other's, each answers the other's as responder and completes its own,
 * and both keep the session of the handshake whose initiator ephemeral public key is lower (unsigned lexicographic
 * order). Each side decides from the order of frames on its own receive stream, which the two sides observe
 * consistently. The losing candidate stays decrypt-only for a short grace period, so frames a peer encrypted before
 * it learned the outcome are not lost.</li>
 * <li><b>The send nonce is saved before the frame leaves</b> (encrypt, save, send), so a crash can never make a
 * durable repository reuse a nonce.</li>
 * <li><b>An undecryptable frame is answered with {@code CryptoInvalidated}</b> (rate-limited per peer; not for replays),
 * so a pair with mismatched keys recovers on the next message instead of after the rehandshake interval.</li>
 * <li><b>Transport send failures are reported</b> to the caller instead of being swallowed.</li>
 * <li><b>Bad input never stops the client</b>: malformed, truncated, oversized, replayed and forged frames are dropped
 * and reported through {@link IpcEventListener#messageDropped}; a failing repository is a {@link ErrorKind#FATAL}
 * {@link IpcException}, not a crash.</li>
 * <li><b>Key material is zeroed</b> when a session, split or handshake is dropped, and never printed.</li>
 * <li><b>Key confirmation before a responder switches.</b> A {@code HandshakeStart} from a peer we already hold a
 * session with is answered, but its session stays pending (unconfirmed) until the peer's first frame decrypts under
 * it; until then the current session keeps encrypting and decrypting. A replayed or forged {@code HandshakeStart}
 * therefore never displaces a working session.</li>
 * <li><b>Handshakes are retried within the caller's deadline</b> ({@link #send(CryptoContext, OutgoingMessage, long)}),
 * and a late {@code HandshakeFinish} of an abandoned attempt is counted {@link DropReason#STALE_HANDSHAKE}.</li>
 * <li><b>A departed peer's session is wiped</b> ({@link #peerDisconnected}), as the reference does since it fixed
 * the same problem; the same peer may reclaim it by proof for a short time (a durable session store).</li>
 * <li><b>Bounded per peer:</b> {@code HandshakeStart}s are rate-limited per peer, warnings a peer can trigger are
 * rate-limited and escape peer-controlled text.</li>
 * </ul>
 *
 * <p>Other small deviations: while an initiator waits for its {@code HandshakeFinish} it ignores (rather than aborting
 * on) undecodable frames and finishes that do not authenticate for its handshake, since they cannot be its answer; a
 * {@code CryptoInvalidated} that the peer sent before it processed our handshake in progress is ignored as stale; a
 * session replaced by a newer handshake or invalidated by the peer stays decrypt-only for
 * {@link Builder#previousSessionGrace(Duration) a grace period} so frames already in flight are still delivered.
 *
 * <p>Thread-safe; one instance may serve several clients (per-peer state is kept per session repository). Its
 * in-memory companion state (locks, handshakes in progress, pending and grace-period sessions, rate limits) is not
 * persisted, and is released when a peer leaves (after the retention of its reclaimable session, if any).
 */
public final class NoiseCryptoProvider implements CryptoProvider<NoiseSession> {

    private static final Logger log = LoggerFactory.getLogger(NoiseCryptoProvider.class);

    /** How long an initiator waits for the {@code HandshakeFinish} (2 s, the reference's). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

    /** Age after which a send first handshakes again (300 s, the reference's). */
    public static final Duration DEFAULT_REHANDSHAKE_INTERVAL = Duration.ofSeconds(300);

    /** How many {@code CryptoInvalidated} replies one peer may trigger per {@link #DEFAULT_CRYPTO_INVALIDATED_INTERVAL}. */
    public static final int DEFAULT_CRYPTO_INVALIDATED_PERMITS = 2;

    /** The window of the {@code CryptoInvalidated} rate limit. */
    public static final Duration DEFAULT_CRYPTO_INVALIDATED_INTERVAL = Duration.ofSeconds(1);

    /** How long a replaced or invalidated session still decrypts frames already in flight. */
    public static final Duration DEFAULT_PREVIOUS_SESSION_GRACE = Duration.ofSeconds(10);

    /**
     * How long the session of a peer that left the transport may still be reclaimed by that same peer, proving it
     * with a frame that decrypts under it (a restarted peer with a durable session store). Never used to encrypt.
     */
    public static final Duration DEFAULT_DEPARTED_SESSION_RETENTION = Duration.ofSeconds(30);

    /** How many {@code HandshakeStart}s of one peer are answered per {@link #DEFAULT_HANDSHAKE_RATE_LIMIT_INTERVAL}. */
    public static final int DEFAULT_HANDSHAKE_RATE_LIMIT_PERMITS = 20;

    /** The window of the per-peer handshake rate limit. */
    public static final Duration DEFAULT_HANDSHAKE_RATE_LIMIT_INTERVAL = Duration.ofSeconds(1);

    /** Largest application payload per message: 65535 - 16 = 65519 bytes (no fragmentation). */
    public static final int MAX_PLAINTEXT_LENGTH = NoiseTransportState.MAX_PLAINTEXT_LENGTH;

    /** Grace-period sessions kept per peer at most. */
    static final int MAX_PREVIOUS_SESSIONS = 3;

    /** Unconfirmed responder sessions kept per peer at most. */
    static final int MAX_PENDING_SESSIONS = 2;

    /** Handshake states of our own timed-out or superseded attempts kept per peer to recognise late answers. */
    static final int MAX_STALE_PROBES = 3;

    /** Departed peers whose session is retained for reclaiming, at most (the oldest go first). */
    static final int MAX_DEPARTED = 1024;

    /** At most one peer-triggerable WARN line per kind per this interval. */
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** How many handshakes one send may run before giving up (a session that vanishes right after each). */
    private static final int MAX_SEND_ROUNDS = 3;

    /** Size of the per-peer map above which idle entries are pruned. */
    private static final int PRUNE_THRESHOLD = 256;

    /** Extra time a sender waits for another sender's handshake beyond that handshake's own timeout. */
    private static final long JOIN_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final NoiseSuite initiatorSuite;
    private final Duration handshakeTimeout;
    private final long handshakeTimeoutNanos;
    private final Duration rehandshakeInterval;
    private final long rehandshakeIntervalSecs;
    private final Clock clock;
    private final int cryptoInvalidatedPermits;
    private final Duration cryptoInvalidatedInterval;
    private final Duration previousSessionGrace;
    private final Predicate<NoiseSuite> suiteAvailable;
    private final Duration departedRetention;
    private final int handshakePermits;
    private final Duration handshakeInterval;
    private final ConcurrentHashMap<PeerKey, PeerState> peers = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Departure> departures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger departureCount = new AtomicInteger();
    private final LogLimiter warnings = new LogLimiter(WARN_INTERVAL_NANOS);
    private final AtomicBoolean warm = new AtomicBoolean();

    /** Map size after the last prune; the next prune waits until it has doubled (amortised O(1) per lookup). */
    private volatile int sizeAfterPrune;

    /** A provider with every default. */
    public NoiseCryptoProvider() {
        this(builder());
    }

    private NoiseCryptoProvider(Builder builder) {
        this.initiatorSuite = builder.initiatorSuite;
        this.handshakeTimeout = builder.handshakeTimeout;
        this.handshakeTimeoutNanos = builder.handshakeTimeout.toNanos();
        this.rehandshakeInterval = builder.rehandshakeInterval;
        this.rehandshakeIntervalSecs = builder.rehandshakeInterval.getSeconds();
        this.clock = builder.clock;
        this.cryptoInvalidatedPermits = builder.cryptoInvalidatedPermits;
        this.cryptoInvalidatedInterval = builder.cryptoInvalidatedInterval;
        this.previousSessionGrace = builder.previousSessionGrace;
        this.suiteAvailable = builder.suiteAvailable;
        this.departedRetention = builder.departedRetention;
        this.handshakePermits = builder.handshakePermits;
        this.handshakeInterval = builder.handshakeInterval;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The suite this provider proposes when it initiates. */
    public NoiseSuite initiatorSuite() {
        return initiatorSuite;
    }

    /** How long an initiator waits for the peer's {@code HandshakeFinish}. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** The session age (whole seconds) above which a send handshakes again. */
    public Duration rehandshakeInterval() {
        return rehandshakeInterval;
    }

    // ------------------------------------------------------------------------------------------------ send

    /**
     * Encrypts and sends one application message, first running a handshake when there is no session for the
     * destination or it is older than the rehandshake interval.
     *
     * @throws IpcException kind {@link ErrorKind#OTHER} if the payload exceeds {@value #MAX_PLAINTEXT_LENGTH} bytes,
     *     the handshake times out or the transport fails to send; {@link IpcUnreachableException} if the destination
     *     is not connected (the session is then dropped, so the next send handshakes again); kind
     *     {@link ErrorKind#FATAL} if the session repository or the transport fails permanently
     */
    @Override
    public void send(CryptoContext<NoiseSession> context, OutgoingMessage message) {
        send(context, message, 0L, false);
    }

    /**
     * {@link #send(CryptoContext, OutgoingMessage)} within the caller's deadline: a handshake that gets no
     * {@code HandshakeFinish} within the handshake timeout is retried with a fresh {@code HandshakeStart} while the
     * deadline allows (each attempt waits at most the handshake timeout, and never past the deadline). A late answer
     * to an abandoned attempt is recognised and counted {@link DropReason#STALE_HANDSHAKE}.
     *
     * @param deadlineNanos a {@link System#nanoTime()} deadline
     * @throws IpcException as {@link #send(CryptoContext, OutgoingMessage)}; kind {@link ErrorKind#OTHER} when no
     *     handshake completed by the deadline; {@link IpcUnreachableException} when the peer is not connected or left
     *     during the handshake
     */
    @Override
    public void send(CryptoContext<NoiseSession> context, OutgoingMessage message, long deadlineNanos) {
        send(context, message, deadlineNanos, true);
    }

    private void send(CryptoContext<NoiseSession> context, OutgoingMessage message, long deadlineNanos,
            boolean retryUntilDeadline) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(message, "message");
        byte[] plaintext = message.payload();
        if (plaintext.length > MAX_PLAINTEXT_LENGTH) {
            throw new IpcException(ErrorKind.OTHER, "Message payload is " + plaintext.length
                    + " bytes; the Noise transport limit is " + MAX_PLAINTEXT_LENGTH
                    + " bytes per message (there is no fragmentation)");
        }
        Endpoint peer = message.destination();
        int attempts = 0;
        for (int round = 1; ; round++) {
            Attempt mine = null;
            Attempt other = null;
            PeerState p = lock(context.sessions(), peer);
            try {
                NoiseSession session = load(context, peer);
                if (session != null && !session.state().isOlderThan(nowSecs(), rehandshakeIntervalSecs)) {
                    sendTransport(context, p, peer, session, message);
                    return;
                }
                if (round > MAX_SEND_ROUNDS) {
                    throw new IpcException(ErrorKind.OTHER, "No Noise session with " + peer + " after "
                            + MAX_SEND_ROUNDS + " handshakes: the peer keeps invalidating it");
                }
                Attempt current = p.liveAttempt(handshakeTimeoutNanos);
                if (current != null && !current.done.isDone()) {
                    other = current;
                } else {
                    long now = System.nanoTime();
                    if (retryUntilDeadline && deadlineNanos - now <= 0) {
                        throw deadlinePassed(peer, attempts);
                    }
                    long attemptDeadline = now + handshakeTimeoutNanos;
                    if (retryUntilDeadline && deadlineNanos - attemptDeadline < 0) {
                        attemptDeadline = deadlineNanos;
                    }
                    mine = startAttempt(context, p, peer, attemptDeadline);
                    attempts++;
                }
            } finally {
                p.lock.unlock();
            }
            boolean retry;
            if (mine != null) {
                try {
                    completeAttempt(context, p, peer, mine);
                    retry = false;
                } catch (IpcException e) {
                    if (!mine.timedOut || !retryUntilDeadline || deadlineNanos - System.nanoTime() <= 0) {
                        if (mine.timedOut && retryUntilDeadline && attempts > 1) {
                            throw deadlinePassed(peer, attempts);
                        }
                        throw e;
                    }
                    log.debug("Noise: no HandshakeFinish from {} in time; retrying within the caller's deadline",
                            LogSafe.of(peer));
                    retry = true;
                }
            } else {
                retry = awaitOther(Objects.requireNonNull(other), peer, deadlineNanos, retryUntilDeadline);
            }
            if (retry) {
                round--; // a timed-out attempt does not count against the rounds for vanishing sessions
            }
        }
    }

    private IpcException deadlinePassed(Endpoint peer, int attempts) {
        return new IpcException(ErrorKind.OTHER, "Noise handshake with " + LogSafe.of(peer) + " timed out: no "
                + "HandshakeFinish within the call's deadline (" + attempts + " attempt(s) of at most "
                + handshakeTimeout.toMillis() + " ms each)");
    }

    /** Encrypt, save, send (fix 3: the nonce is persisted before the frame leaves). Under the peer's lock. */
    private void sendTransport(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session,
            OutgoingMessage message) {
        TransportFrame frame;
        try {
            frame = session.state().encrypt(message.payload());
        } catch (IllegalStateException e) {
            removeSession(context, p, peer, session, "send nonce exhausted");
            throw new IpcException(ErrorKind.OTHER, "The Noise session with " + peer
                    + " cannot encrypt any more (" + e.getMessage() + "); the next send handshakes again");
        }
        save(context, peer, session);
        byte[] bytes = NoiseFrameCodec.encode(frame);
        try {
            context.backend().send(new OutgoingMessage(bytes, peer, message.topic()));
        } catch (IpcException e) {
            if (e.kind() == ErrorKind.UNREACHABLE) {
                log.debug("Noise: {} is unreachable; dropping its session so the next send handshakes again",
                        LogSafe.of(peer));
                removeSession(context, p, peer, session, "destination unreachable");
                p.clearPrevious();
                p.clearPending();
            } else if (e.kind() == ErrorKind.FATAL) {
                log.error("Noise: fatal transport error sending to {}; dropping its session", LogSafe.of(peer));
                removeSession(context, p, peer, session, "fatal transport error");
            }
            throw e;
        } catch (RuntimeException e) {
            throw new IpcException(ErrorKind.OTHER, "Transport failed to send a message to " + peer + ": " + e, e);
        }
    }

    /**
     * Waits for another sender's handshake with the same peer. Returns {@code true} when it timed out and this
     * caller's own deadline leaves room for a new attempt.
     */
    private boolean awaitOther(Attempt other, Endpoint peer, long deadlineNanos, boolean retryUntilDeadline) {
        long waitNanos = other.deadlineNanos + JOIN_MARGIN_NANOS - System.nanoTime();
        if (retryUntilDeadline) {
            waitNanos = Math.min(waitNanos, deadlineNanos - System.nanoTime());
        }
        try {
            other.done.get(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
            return false;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (other.timedOut && retryUntilDeadline && deadlineNanos - System.nanoTime() > 0) {
                return true;
            }
            if (cause instanceof IpcUnreachableException) {
                throw new IpcUnreachableException(peer, "handshake failed");
            }
            if (cause instanceof IpcException ipc) {
                throw new IpcException(ipc.kind(), ipc.getMessage(), ipc);
            }
            throw new IpcException(ErrorKind.OTHER, "Noise handshake with " + peer + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IpcException(ErrorKind.OTHER, "Noise handshake with " + LogSafe.of(peer)
                    + " (started by another sender) timed out: it did not complete in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpcException(ErrorKind.OTHER, "Interrupted while waiting for the Noise handshake with " + peer);
        }
    }

    // ------------------------------------------------------------------------------------------------ initiator

    /**
     * Opens the private receiver, writes message 1 and sends the {@code HandshakeStart}, all under the peer's lock so
     * that the start and any {@code HandshakeFinish} this side sends to the same peer are ordered on the wire (the
     * tie-break of simultaneous initiations relies on it).
     */
    private Attempt startAttempt(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer,
            long deadlineNanos) {
        NoiseSuite suite = initiatorSuite;
        NoiseHandshake handshake;
        byte[] message1;
        try {
            handshake = NoiseHandshake.initiator(suite);
        } catch (NoiseProtocolException e) {
            throw new IpcException(ErrorKind.OTHER, "Cannot initiate a Noise handshake: " + e.getMessage(), e);
        }
        try {
            message1 = handshake.writeMessage();
        } catch (NoiseProtocolException | RuntimeException e) {
            handshake.close();
            throw new IpcException(ErrorKind.OTHER, "Cannot write the Noise handshake message: " + e.getMessage(), e);
        }
        NoiseHandshake probe = handshake.copy();
        BackendReceiver receiver;
        try {
            receiver = context.backend().subscribe();
        } catch (RuntimeException e) {
            handshake.close();
            probe.close();
            throw asIpcException(e, "Transport cannot open a receiver for the Noise handshake with " + peer);
        }
        Attempt attempt = new Attempt(suite, ephemeralOf(suite, message1), handshake, probe, receiver, deadlineNanos);
        if (p.attempt != null) {
            Attempt replaced = p.attempt;
            if (replaced.answeredInLoop) {
                replaced.releaseProbe();
            } else {
                p.keepStaleProbe(replaced, staleProbeDeadline());
            }
        }
        p.attempt = attempt;
        context.events().handshakeStarted(peer, suite.protocolName(), true);
        log.debug("Noise: initiating a {} handshake with {}", suite.protocolName(), LogSafe.of(peer));
        try {
            context.backend().send(new OutgoingMessage(
                    NoiseFrameCodec.encode(new HandshakeStart(suite, message1)), peer, null));
        } catch (RuntimeException e) {
            IpcException failure = asIpcException(e, "Transport failed to send the HandshakeStart to " + peer);
            failAttempt(context, p, peer, attempt, failure, failure.kind() == ErrorKind.UNREACHABLE
                    ? "destination unreachable" : "transport send failed");
            if (failure.kind() == ErrorKind.UNREACHABLE) {
                NoiseSession stale = load(context, peer);
                if (stale != null) {
                    removeSession(context, p, peer, stale, "destination unreachable");
                }
                p.clearPrevious();
                p.clearPending();
            }
            throw failure;
        }
        return attempt;
    }

    /** Waits (without the lock) for the answer, then settles the attempt. Runs on the sender's thread. */
    private void completeAttempt(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, Attempt attempt) {
        long deadline = attempt.deadlineNanos;
        try {
            NoiseSession candidate;
            try {
                candidate = awaitFinish(p, peer, attempt, deadline);
            } finally {
                attempt.receiver.close();
                attempt.handshake.close();
            }
            if (candidate != null) {
                p.lock.lock();
                try {
                    commitInitiator(context, p, peer, attempt, candidate);
                } finally {
                    p.lock.unlock();
                }
            }
            if (!attempt.settled.isDone()) {
                // The peer's simultaneous handshake won the tie-break; our loop stores its session when it
                // processes the peer's HandshakeStart (already received, as it arrived before our finish).
                awaitSettled(peer, attempt, deadline);
            }
            p.lock.lock();
            try {
                attempt.finished = true;
                attempt.finishedNanos = System.nanoTime();
                if (attempt.answeredInLoop && p.attempt == attempt) {
                    p.attempt = null;
                    attempt.releaseProbe();
                }
            } finally {
                p.lock.unlock();
            }
            attempt.done.complete(null);
            if (attempt.committed) {
                context.events().handshakeCompleted(peer, attempt.suite.protocolName(), true,
                        System.nanoTime() - attempt.startedNanos);
                log.debug("Noise: handshake with {} complete", LogSafe.of(peer));
            } else {
                log.debug("Noise: our handshake with {} was superseded by the peer's simultaneous one",
                        LogSafe.of(peer));
            }
        } catch (RuntimeException e) {
            IpcException failure = asIpcException(e, "Noise handshake with " + peer + " failed");
            p.lock.lock();
            try {
                failAttempt(context, p, peer, attempt, failure, shortReason(failure));
            } finally {
                p.lock.unlock();
            }
            throw failure;
        }
    }

    /**
     * Reads the private receiver until the destination's {@code HandshakeFinish} for this attempt arrives (returns the
     * derived session) or the loop settles the attempt first (returns {@code null}).
     */
    private @Nullable NoiseSession awaitFinish(PeerState p, Endpoint peer, Attempt attempt, long deadline) {
        while (true) {
            if (attempt.settled.isDone()) {
                return null;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                attempt.timedOut = true;
                throw timeout(peer);
            }
            IncomingMessage message;
            try {
                message = attempt.receiver.receive(Duration.ofNanos(remaining));
            } catch (IpcClosedException e) {
                if (attempt.settled.isDone()) {
                    return null;
                }
                if (attempt.peerLeft) {
                    throw new IpcUnreachableException(peer, "it left the transport during the Noise handshake");
                }
                throw e;
            } catch (IpcException e) {
                if (e.kind() == ErrorKind.FATAL) {
                    throw e;
                }
                continue; // lagged: the answer may still come
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IpcException(ErrorKind.OTHER, "Interrupted while waiting for the Noise handshake with "
                        + peer);
            }
            if (message == null || !peer.equals(message.source().toEndpoint())
                    || message.payload().length > NoiseFrameCodec.MAX_FRAME_LENGTH) {
                continue;
            }
            NoiseFrame frame;
            try {
                frame = NoiseFrameCodec.decode(message.payload());
            } catch (NoiseFrameException e) {
                continue; // cannot be our answer; the receive loop counts it
            }
            if (frame instanceof HandshakeStart start) {
                p.lock.lock();
                try {
                    if (attempt.competitorSeenBySender == null) {
                        attempt.competitorSeenBySender = ephemeralOf(start.ciphersuite(), start.noiseFrame());
                    }
                } finally {
                    p.lock.unlock();
                }
            } else if (frame instanceof HandshakeFinish finish) {
                NoiseHandshake trial = attempt.handshake.copy();
                try {
                    trial.readMessage(finish.noiseFrame());
                } catch (NoiseProtocolException | RuntimeException e) {
                    trial.close();
                    continue; // not the answer to this handshake (stale or forged); the loop counts it
                }
                return sessionFrom(trial, true, attempt.suite);
            }
        }
    }

    private void awaitSettled(Endpoint peer, Attempt attempt, long deadline) {
        try {
            CompletableFuture.anyOf(attempt.settled, attempt.left)
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!attempt.settled.isDone()) {
                throw new IpcUnreachableException(peer, "it left the transport during the Noise handshake");
            }
        } catch (TimeoutException e) {
            attempt.timedOut = true;
            throw new IpcException(ErrorKind.OTHER, "Noise handshake with " + peer + " timed out after "
                    + handshakeTimeout.toMillis() + " ms: the peer's simultaneous handshake won the tie-break but "
                    + "its session was not established in time (is the receive loop running?)");
        } catch (ExecutionException e) {
            throw new IpcException(ErrorKind.OTHER, "Noise handshake with " + peer + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpcException(ErrorKind.OTHER, "Interrupted while waiting for the Noise handshake with " + peer);
        }
    }

    /**
     * Stores our initiator result unless the attempt is already settled or a concurrent handshake of the peer with a
     * lower initiator ephemeral wins. Called by the sender or by the receive loop, whichever sees the finish first.
     * Under the peer's lock.
     */
    private void commitInitiator(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, Attempt attempt,
            NoiseSession candidate) {
        if (attempt.settled.isDone() || attempt.failed || attempt.peerLeft) {
            candidate.close();
            return;
        }
        byte[] competitor = attempt.competitor != null ? attempt.competitor : attempt.competitorSeenBySender;
        if (competitor != null && Arrays.compareUnsigned(competitor, attempt.ephemeral) < 0) {
            candidate.close();
            return;
        }
        NoiseSession old = load(context, peer);
        save(context, peer, candidate);
        p.retire(old, graceDeadline());
        p.retirePending(graceDeadline()); // the peer's older handshakes: decrypt-only, never adopted over ours
        p.dropDeparted();
        attempt.committed = true;
        attempt.settled.complete(null);
    }

    /** Under the peer's lock. Idempotent per attempt. */
    private void failAttempt(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, Attempt attempt,
            IpcException failure, String reason) {
        if (attempt.done.isDone()) {
            return;
        }
        attempt.failed = true;
        attempt.finished = true;
        attempt.finishedNanos = System.nanoTime();
        if (p.attempt == attempt) {
            p.attempt = null;
            if (attempt.timedOut && !attempt.peerLeft) {
                p.keepStaleProbe(attempt, staleProbeDeadline()); // its answer may still come, late
            } else {
                attempt.releaseProbe();
            }
        }
        attempt.receiver.close();
        attempt.handshake.close();
        attempt.done.completeExceptionally(failure);
        context.events().handshakeFailed(peer, reason);
        log.debug("Noise: handshake with {} failed: {}", LogSafe.of(peer), LogSafe.of(failure.getMessage()));
    }

    private IpcException timeout(Endpoint peer) {
        return new IpcException(ErrorKind.OTHER, "Noise handshake with " + LogSafe.of(peer) + " timed out after "
                + handshakeTimeout.toMillis() + " ms (no HandshakeFinish)");
    }

    private static String shortReason(IpcException failure) {
        String message = String.valueOf(failure.getMessage());
        if (message.contains("timed out")) {
            return "timeout";
        }
        return switch (failure.kind()) {
            case UNREACHABLE -> "destination unreachable";
            case FATAL -> "fatal error";
            case OTHER -> "failed";
        };
    }

    // ------------------------------------------------------------------------------------------------ receive

    /**
     * Returns the next application message, answering handshakes and invalidations on the way. Bad frames are dropped
     * and reported, never thrown.
     *
     * @throws IpcClosedException when the receiver is closed
     * @throws IpcException kind {@link ErrorKind#FATAL} when the session repository or the transport fails
     *     permanently; a recoverable receive error of the backend is passed on
     */
    @Override
    public IncomingMessage receive(CryptoContext<NoiseSession> context, BackendReceiver receiver)
            throws InterruptedException {
        while (true) {
            IncomingMessage message = receiver.receive();
            IncomingMessage application;
            try {
                application = process(context, message);
            } catch (IpcException e) {
                throw e;
            } catch (RuntimeException e) {
                warnings.error(log, "unexpected", "Noise: unexpected error while processing a frame from {}; "
                        + "dropping it: {}", LogSafe.of(message.source()), LogSafe.of(e));
                log.debug("Noise: the unexpected error", e);
                continue;
            }
            if (application != null) {
                return application;
            }
        }
    }

    private @Nullable IncomingMessage process(CryptoContext<NoiseSession> context, IncomingMessage message) {
        Endpoint peer = message.source().toEndpoint();
        byte[] payload = message.payload();
        if (payload.length > NoiseFrameCodec.MAX_FRAME_LENGTH) {
            drop(context, DropReason.OVERSIZED_FRAME, peer, "frame of " + payload.length + " bytes");
            return null;
        }
        NoiseFrame frame;
        try {
            frame = NoiseFrameCodec.decode(payload);
        } catch (NoiseFrameException e) {
            drop(context, DropReason.MALFORMED_FRAME, peer, e.getMessage());
            return null;
        }
        if (frame instanceof TransportFrame transport) {
            return onTransport(context, message, peer, transport);
        }
        if (frame instanceof HandshakeStart start) {
            onHandshakeStart(context, peer, start);
        } else if (frame instanceof HandshakeFinish finish) {
            onHandshakeFinish(context, peer, finish);
        } else if (frame instanceof CryptoInvalidated) {
            onCryptoInvalidated(context, peer);
        }
        return null;
    }

    private @Nullable IncomingMessage onTransport(CryptoContext<NoiseSession> context, IncomingMessage message,
            Endpoint peer, TransportFrame frame) {
        byte[] ciphertext = frame.payload();
        PeerState p = lock(context.sessions(), peer);
        try {
            NoiseSession session = load(context, peer);
            NoiseTransportException failure = null;
            if (session != null) {
                try {
                    byte[] plaintext = session.state().decrypt(frame.nonce(), ciphertext);
                    save(context, peer, session);
                    return message.withPayload(plaintext);
                } catch (NoiseTransportException e) {
                    failure = e;
                }
            }
            Confirmed confirmed = p.decryptWithPending(frame.nonce(), ciphertext);
            if (confirmed != null) {
                // Key confirmation: the peer holds the keys of its newer handshake, so switch to it now.
                save(context, peer, confirmed.session());
                p.clearPending();
                p.retire(session, graceDeadline());
                log.debug("Noise: {} confirmed its new handshake; switching to the new session", LogSafe.of(peer));
                return message.withPayload(confirmed.plaintext());
            }
            Opened opened = p.decryptWithPrevious(frame.nonce(), ciphertext, clock.millis());
            if (opened != null) {
                Attempt wonBy = opened.from().wonBy();
                if (opened.from().departed) {
                    if (session == null) {
                        // A peer that left and came back still holding its session (a durable store): reclaim it.
                        p.previous.remove(opened.from());
                        save(context, peer, opened.from().session());
                        log.debug("Noise: {} rejoined with its previous session; keeping it", LogSafe.of(peer));
                    }
                } else if (wonBy != null && wonBy.answeredInLoop) {
                    adoptPeersChoice(context, p, peer, opened.from());
                }
                return message.withPayload(opened.plaintext());
            }
            if (failure == null) {
                drop(context, DropReason.NO_SESSION, peer, "no session");
                sendCryptoInvalidated(context, p, peer);
                return null;
            }
            switch (failure.reason()) {
                case REPLAYED -> drop(context, DropReason.REPLAYED_FRAME, peer, failure.getMessage());
                case MALFORMED -> drop(context, DropReason.MALFORMED_FRAME, peer, failure.getMessage());
                case OVERSIZED -> drop(context, DropReason.OVERSIZED_FRAME, peer, failure.getMessage());
                case DECRYPT_FAILED -> {
                    drop(context, DropReason.DECRYPTION_FAILED, peer, failure.getMessage());
                    sendCryptoInvalidated(context, p, peer);
                }
            }
            return null;
        } finally {
            p.lock.unlock();
        }
    }

    /** The responder flow (spec §4.4) plus the tie-break of simultaneous initiations. Runs on the receive loop. */
    private void onHandshakeStart(CryptoContext<NoiseSession> context, Endpoint peer, HandshakeStart start) {
        NoiseSuite suite = start.ciphersuite();
        PeerState limited = lock(context.sessions(), peer);
        try {
            if (!limited.tryAcquireHandshake(clock.millis(), handshakePermits, handshakeInterval.toMillis())) {
                drop(context, DropReason.RATE_LIMITED, peer, "HandshakeStart over the per-peer rate limit");
                warnings.warn(log, "handshake-rate", "Noise: {} sends more than {} HandshakeStarts per {} ms; "
                        + "ignoring the excess", LogSafe.of(peer), handshakePermits, handshakeInterval.toMillis());
                return;
            }
        } finally {
            limited.lock.unlock();
        }
        if (!suiteAvailable.test(suite)) {
            warnings.warn(log, "suite-unavailable", "Noise: refusing a {} handshake from {}: BLAKE2s needs Bouncy "
                    + "Castle (org.bouncycastle:bcprov-jdk18on) on the classpath", suite.protocolName(),
                    LogSafe.of(peer));
            context.events().handshakeFailed(peer, "cipher suite " + suite.protocolName()
                    + " unavailable (needs Bouncy Castle)");
            context.events().messageDropped(DropReason.UNEXPECTED_FRAME, peer);
            return;
        }
        long started = System.nanoTime();
        context.events().handshakeStarted(peer, suite.protocolName(), false);
        byte[] message1 = start.noiseFrame();
        byte[] message2;
        NoiseSession candidate;
        NoiseHandshake responder = null;
        try {
            responder = NoiseHandshake.responder(suite);
            responder.readMessage(message1);
            message2 = responder.writeMessage();
            candidate = sessionFrom(responder, false, suite);
        } catch (NoiseProtocolException | RuntimeException e) {
            if (responder != null) {
                responder.close();
            }
            log.debug("Noise: invalid HandshakeStart from {}: {}", LogSafe.of(peer), LogSafe.of(e.getMessage()));
            context.events().handshakeFailed(peer, "invalid HandshakeStart");
            context.events().messageDropped(DropReason.MALFORMED_FRAME, peer);
            return;
        }
        byte[] theirs = ephemeralOf(suite, message1);
        boolean installed;
        PeerState p = lock(context.sessions(), peer);
        try {
            Attempt attempt = p.liveAttempt(handshakeTimeoutNanos);
            boolean concurrent = attempt != null && !attempt.answeredInLoop && attempt.competitor == null
                    && !attempt.failed;
            if (concurrent) {
                attempt.competitor = theirs;
                installed = Arrays.compareUnsigned(theirs, attempt.ephemeral) < 0;
                log.debug("Noise: simultaneous handshakes with {}: {} wins", LogSafe.of(peer),
                        installed ? "theirs" : "ours");
            } else {
                installed = true;
            }
            NoiseSession current = installed && !concurrent ? load(context, peer) : null;
            if (current != null) {
                // Key confirmation: keep sending (and receiving) with the current session until the peer's first
                // frame under the new one proves it holds its keys. A replayed or forged HandshakeStart, whose
                // sender cannot derive them, thus never displaces a working session.
                p.addPending(candidate, clock.millis() + pendingLifetimeMillis());
            } else if (installed) {
                NoiseSession old = load(context, peer);
                save(context, peer, candidate);
                p.retire(old, graceDeadline());
                p.dropDeparted(); // a rejoined peer with a new session will not reclaim its old one
                if (attempt != null && !attempt.failed && !attempt.settled.isDone()) {
                    attempt.settled.complete(null);
                    attempt.receiver.close(); // wake our sender: the session is there
                }
            } else {
                // Our handshake wins on both sides, but the peer may encrypt with this one until it learns so.
                p.retire(candidate, graceDeadline(), attempt);
            }
            sendProtocolFrame(context, peer, new HandshakeFinish(message2), "HandshakeFinish");
        } finally {
            p.lock.unlock();
        }
        context.events().handshakeCompleted(peer, suite.protocolName(), false, System.nanoTime() - started);
    }

    /**
     * A {@code HandshakeFinish} on the loop's stream. The initiator normally reads it on its private receiver; the loop
     * uses it to learn that the peer has answered our handshake (which closes the window for a simultaneous initiation
     * and for stale invalidations), and commits the result itself if it sees it first.
     */
    private void onHandshakeFinish(CryptoContext<NoiseSession> context, Endpoint peer, HandshakeFinish finish) {
        PeerState p = lock(context.sessions(), peer);
        try {
            Attempt attempt = p.liveAttempt(handshakeTimeoutNanos);
            if (attempt == null || attempt.answeredInLoop || attempt.failed) {
                dropStrayFinish(context, p, peer, finish, "HandshakeFinish without a handshake in progress");
                return;
            }
            NoiseHandshake trial = attempt.probe.copy();
            try {
                trial.readMessage(finish.noiseFrame());
            } catch (NoiseProtocolException | RuntimeException e) {
                trial.close();
                dropStrayFinish(context, p, peer, finish, "HandshakeFinish does not answer our handshake");
                return;
            }
            attempt.answeredInLoop = true;
            commitInitiator(context, p, peer, attempt, sessionFrom(trial, true, attempt.suite));
            if (attempt.settled.isDone()) {
                attempt.receiver.close(); // wake our sender: nothing left to wait for
            }
            if (attempt.finished && p.attempt == attempt) {
                p.attempt = null;
                attempt.releaseProbe();
            }
        } finally {
            p.lock.unlock();
        }
    }

    /** A finish that answers an abandoned attempt of ours is stale (harmless); anything else is unexpected. */
    private void dropStrayFinish(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer,
            HandshakeFinish finish, String detail) {
        if (p.matchesStaleProbe(finish.noiseFrame(), System.nanoTime())) {
            drop(context, DropReason.STALE_HANDSHAKE, peer, "late HandshakeFinish for an abandoned handshake");
        } else {
            drop(context, DropReason.UNEXPECTED_FRAME, peer, detail);
        }
    }

    private void onCryptoInvalidated(CryptoContext<NoiseSession> context, Endpoint peer) {
        PeerState p = lock(context.sessions(), peer);
        try {
            Attempt attempt = p.liveAttempt(handshakeTimeoutNanos);
            if (attempt != null && !attempt.answeredInLoop && !attempt.failed) {
                // Sent before the peer processed our HandshakeStart: about the session being replaced anyway.
                log.debug("Noise: ignoring a stale CryptoInvalidated from {} (our handshake is in progress)",
                        LogSafe.of(peer));
                return;
            }
            NoiseSession session = load(context, peer);
            if (session == null) {
                return;
            }
            remove(context, peer);
            p.retire(session, graceDeadline());
            context.events().sessionInvalidated(peer, IpcEventListener.PEER_COULD_NOT_DECRYPT);
            log.debug("Noise: {} invalidated our session; the next send handshakes again", LogSafe.of(peer));
        } finally {
            p.lock.unlock();
        }
    }

    /**
     * The peer encrypts with the session that lost the tie-break although it has already answered our winning
     * handshake: a Java peer never does that (it switches to the winner before it answers), so the peer applies no
     * tie-break (a Bitwarden peer keeps whichever session it saved last). Use its choice, so that both sides converge
     * and our frames do not die silently at a peer that never answers them with {@code CryptoInvalidated}. Under the
     * peer's lock.
     */
    private void adoptPeersChoice(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, Previous chosen) {
        p.previous.remove(chosen);
        NoiseSession current = load(context, peer);
        save(context, peer, chosen.session());
        p.retire(current, graceDeadline());
        warnings.warn(log, "adopt", "Noise: {} kept the session of the handshake that lost the "
                + "simultaneous-initiation tie-break (a peer without the tie-break); using the same one",
                LogSafe.of(peer));
    }

    /** Rate-limited per peer (fix 4). Under the peer's lock. */
    private void sendCryptoInvalidated(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer) {
        if (!p.tryAcquireInvalidation(clock.millis(), cryptoInvalidatedPermits, cryptoInvalidatedInterval.toMillis())) {
            log.debug("Noise: CryptoInvalidated to {} suppressed by the rate limit", LogSafe.of(peer));
            return;
        }
        sendProtocolFrame(context, peer, CryptoInvalidated.INSTANCE, "CryptoInvalidated");
    }

    /** Sends a frame the protocol requires; only a fatal transport error is thrown (it stops the loop). */
    private void sendProtocolFrame(CryptoContext<NoiseSession> context, Endpoint peer, NoiseFrame frame, String what) {
        try {
            context.backend().send(new OutgoingMessage(NoiseFrameCodec.encode(frame), peer, null));
        } catch (IpcException e) {
            if (e.kind() == ErrorKind.FATAL) {
                throw e;
            }
            log.debug("Noise: could not send {} to {}: {}", what, LogSafe.of(peer), LogSafe.of(e.getMessage()));
        } catch (RuntimeException e) {
            warnings.warn(log, "protocol-send", "Noise: could not send {} to {}: {}", what, LogSafe.of(peer),
                    LogSafe.of(e));
        }
    }

    private void drop(CryptoContext<NoiseSession> context, DropReason reason, Endpoint peer, @Nullable String detail) {
        log.debug("Noise: dropping a frame from {} ({}): {}", LogSafe.of(peer), reason, LogSafe.of(detail));
        context.events().messageDropped(reason, peer);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private NoiseSession sessionFrom(NoiseHandshake handshake, boolean initiator, NoiseSuite suite) {
        try (NoiseSplit split = handshake.split()) {
            byte[] hash = handshake.handshakeHash();
            try {
                return new NoiseSession(NoiseTransportState.fromSplit(split, initiator, suite.transportCipher(),
                        nowSecs()), hash);
            } finally {
                Arrays.fill(hash, (byte) 0);
            }
        } finally {
            handshake.close();
        }
    }

    /** The initiator's ephemeral public key: the head of message 1 (its payload is empty). */
    private static byte[] ephemeralOf(NoiseSuite suite, byte[] message1) {
        int length = suite == NoiseSuite.P256_AESGCM_SHA256 ? 65 : 32;
        return Arrays.copyOf(message1, Math.min(length, message1.length));
    }

    private long nowSecs() {
        return Math.floorDiv(clock.millis(), 1000L);
    }

    /** How long an unconfirmed responder session waits for the peer's first frame under it (clock millis). */
    private long pendingLifetimeMillis() {
        return Math.max(previousSessionGrace.toMillis(), 2 * handshakeTimeout.toMillis());
    }

    /** Until when the handshake state of an abandoned attempt recognises its late answer (nanoTime). */
    private long staleProbeDeadline() {
        return System.nanoTime() + Math.max(4 * handshakeTimeoutNanos, TimeUnit.SECONDS.toNanos(10));
    }

    /** When a retired session stops decrypting; 0 (close at once) when the grace period is disabled. */
    private long graceDeadline() {
        return previousSessionGrace.isZero() ? 0 : clock.millis() + previousSessionGrace.toMillis();
    }

    private @Nullable NoiseSession load(CryptoContext<NoiseSession> context, Endpoint peer) {
        NoiseSession session;
        try {
            session = context.sessions().get(peer).orElse(null);
        } catch (IpcException e) {
            throw e;
        } catch (RuntimeException e) {
            throw repositoryFailure("read", peer, e);
        }
        return session == null || session.isDestroyed() ? null : session;
    }

    private void save(CryptoContext<NoiseSession> context, Endpoint peer, NoiseSession session) {
        try {
            context.sessions().save(peer, session);
        } catch (IpcException e) {
            throw e;
        } catch (RuntimeException e) {
            throw repositoryFailure("save", peer, e);
        }
    }

    private void remove(CryptoContext<NoiseSession> context, Endpoint peer) {
        try {
            context.sessions().remove(peer);
        } catch (IpcException e) {
            throw e;
        } catch (RuntimeException e) {
            throw repositoryFailure("remove", peer, e);
        }
    }

    /** Removes and zeroes {@code session}. Under the peer's lock. */
    private void removeSession(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session,
            String reason) {
        remove(context, peer);
        session.close();
        context.events().sessionInvalidated(peer, reason);
    }

    private static IpcException repositoryFailure(String operation, Endpoint peer, RuntimeException e) {
        return new IpcException(ErrorKind.FATAL, "Session repository failed to " + operation + " the session for "
                + peer + ": " + e.getClass().getSimpleName(), e);
    }

    private static IpcException asIpcException(RuntimeException e, String context) {
        if (e instanceof IpcException ipc) {
            return ipc;
        }
        return new IpcException(ErrorKind.OTHER, context + ": " + e, e);
    }

    private PeerState lock(SessionRepository<NoiseSession> sessions, Endpoint peer) {
        PeerKey key = new PeerKey(sessions, peer);
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
                p.purgeExpired(clock.millis());
                return p;
            }
            p.lock.unlock();
        }
    }

    /**
     * Drops the retained sessions of departed peers whose retention is over (or the oldest beyond
     * {@value #MAX_DEPARTED}), and the companion state of those peers if nothing else is left. Never waits for a lock
     * (a busy peer is looked at again later).
     */
    private void sweepDepartures() {
        Departure head = departures.peek();
        if (head == null) {
            return;
        }
        long now = clock.millis();
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
                        if (!p.retired && p.isIdle(now, handshakeTimeoutNanos, cryptoInvalidatedInterval.toMillis(),
                                handshakeInterval.toMillis())) {
                            p.retired = true;
                            peers.remove(head.key(), p);
                        }
                    } finally {
                        p.lock.unlock();
                    }
                } else {
                    departures.add(head);
                    departureCount.incrementAndGet();
                }
            }
            head = departures.peek();
        }
    }

    private void prune() {
        long now = clock.millis();
        for (Map.Entry<PeerKey, PeerState> entry : peers.entrySet()) {
            PeerState p = entry.getValue();
            if (p.lock.tryLock()) {
                try {
                    if (p.isIdle(now, handshakeTimeoutNanos, cryptoInvalidatedInterval.toMillis(),
                            handshakeInterval.toMillis())) {
                        p.retired = true;
                        peers.remove(entry.getKey(), p);
                    }
                } finally {
                    p.lock.unlock();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /**
     * Forgets what this provider keeps for a peer that left the transport: its session (removed from the
     * repository and zeroed), unconfirmed and grace-period sessions, late-answer probes and rate-limit windows; a
     * handshake with it in progress fails at once with {@link IpcUnreachableException} (senders waiting for it too).
     * The next send to the peer therefore handshakes afresh, and a rejoining peer's own handshake is installed at
     * once. Only if the same peer comes back still holding the session (a durable session store) and proves it with a
     * frame that decrypts under it, within {@link Builder#departedSessionRetention(Duration)}, is the session taken
     * back; until then it is kept decrypt-only in memory, never used to encrypt. Never blocks on the network.
     */
    @Override
    public void peerDisconnected(CryptoContext<NoiseSession> context, Endpoint peer) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(peer, "peer");
        PeerKey key = new PeerKey(context.sessions(), peer);
        PeerState p = lock(context.sessions(), peer);
        try {
            boolean keep = false;
            Attempt attempt = p.attempt;
            if (attempt != null && !attempt.finished && !attempt.done.isDone()) {
                attempt.peerLeft = true;
                attempt.left.complete(null);
                attempt.receiver.close(); // wakes its sender, which fails with IpcUnreachableException
                keep = true;
            }
            // a repeated notice (the transport and the client both telling, or two quick departures) keeps the
            // session a previous notice retained for the peer to reclaim
            keep = p.clearPreviousExceptDeparted() || keep;
            p.clearPending();
            p.clearStaleProbes();
            p.invalidationsInWindow = 0;
            p.handshakesInWindow = 0;
            NoiseSession session = load(context, peer);
            if (session != null) {
                remove(context, peer);
                context.events().sessionInvalidated(peer, "peer disconnected");
                if (departedRetention.isZero()) {
                    session.close();
                } else {
                    long expiresAt = clock.millis() + departedRetention.toMillis();
                    p.previous.addFirst(new Previous(session, expiresAt, null, true));
                    departures.add(new Departure(key, expiresAt));
                    departureCount.incrementAndGet();
                    keep = true;
                }
            }
            if (!keep) {
                p.retired = true;
                peers.remove(key, p);
            }
            log.debug("Noise: {} left the transport; its session is forgotten", LogSafe.of(peer));
        } finally {
            p.lock.unlock();
        }
    }

    /**
     * Runs one complete in-memory handshake and one transport round trip for every suite available here, so that
     * key-pair generators, key agreement, AEAD ciphers, HMAC, SHA-256 (and BLAKE2s), the random source and the frame
     * codec are loaded and initialised before the first real handshake, whose timeout they would otherwise eat into
     * on a cold JVM. Idempotent (only the first call does the work); never throws, never touches the network.
     */
    @Override
    public void warmUp() {
        if (warm.get()) {
            return;
        }
        for (NoiseSuite suite : NoiseSuite.values()) {
            if (!suiteAvailable.test(suite)) {
                continue;
            }
            try {
                warmUp(suite);
            } catch (NoiseProtocolException | NoiseFrameException | NoiseTransportException | RuntimeException
                    | LinkageError e) {
                log.debug("Noise: warming up {} failed: {}", suite.protocolName(), e.toString());
            }
        }
        warm.set(true);
    }

    private void warmUp(NoiseSuite suite) throws NoiseProtocolException, NoiseFrameException, NoiseTransportException {
        NoiseHandshake initiator = NoiseHandshake.initiator(suite);
        NoiseHandshake responder = NoiseHandshake.responder(suite);
        try {
            byte[] message1 = initiator.writeMessage();
            NoiseFrame start = NoiseFrameCodec.decode(NoiseFrameCodec.encode(new HandshakeStart(suite, message1)));
            responder.readMessage(((HandshakeStart) start).noiseFrame());
            byte[] message2 = responder.writeMessage();
            initiator.readMessage(message2);
            try (NoiseSession sending = sessionFrom(initiator, true, suite);
                    NoiseSession receiving = sessionFrom(responder, false, suite)) {
                TransportFrame frame = (TransportFrame) NoiseFrameCodec.decode(NoiseFrameCodec.encode(
                        sending.state().encrypt(new byte[32])));
                receiving.state().decrypt(frame.nonce(), frame.payload());
            }
        } finally {
            initiator.close();
            responder.close();
        }
    }

    /** Whether {@link #warmUp()} has run, for tests. */
    boolean isWarm() {
        return warm.get();
    }

    /** Number of peers with in-memory companion state (locks, handshakes, grace sessions), for tests. */
    int trackedPeers() {
        return peers.size();
    }

    @Override
    public String toString() {
        return "NoiseCryptoProvider[initiatorSuite=" + initiatorSuite.protocolName() + ", handshakeTimeout="
                + handshakeTimeout + ", rehandshakeInterval=" + rehandshakeInterval + "]";
    }

    // ------------------------------------------------------------------------------------------------ state

    /** A peer in the scope of one session repository (identity), so one provider can serve several clients. */
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

    /** One peer's in-memory companion state. Every field is guarded by {@link #lock}. */
    private static final class PeerState {
        final ReentrantLock lock = new ReentrantLock();
        boolean retired;
        @Nullable Attempt attempt;
        final ArrayDeque<Previous> previous = new ArrayDeque<>();
        /** Responder sessions not yet confirmed by a frame from the peer, newest first. */
        final ArrayDeque<Pending> pending = new ArrayDeque<>();
        /** Handshake states of our own abandoned attempts, to recognise their late answers, newest first. */
        final ArrayDeque<StaleProbe> staleProbes = new ArrayDeque<>();
        long invalidationWindowStart;
        int invalidationsInWindow;
        long handshakeWindowStart;
        int handshakesInWindow;

        /** The registered attempt, dropping it once finished long enough that no answer can still be on its way. */
        @Nullable Attempt liveAttempt(long timeoutNanos) {
            Attempt current = attempt;
            if (current != null && current.finished && System.nanoTime() - current.finishedNanos > 2 * timeoutNanos) {
                current.releaseProbe();
                attempt = null;
                return null;
            }
            return current;
        }

        void retire(@Nullable NoiseSession session, long expiresAt) {
            retire(session, expiresAt, null);
        }

        /** Keeps {@code session} decrypt-only until {@code expiresAt}; {@code wonBy} marks a tie-break loser. */
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
            for (Iterator<Previous> it = previous.iterator(); it.hasNext();) {
                Previous candidate = it.next();
                if (candidate.expiresAt <= now || candidate.session.isDestroyed()) {
                    candidate.session.close();
                    it.remove();
                    continue;
                }
                try {
                    return new Opened(candidate, candidate.session.state().decrypt(nonce, ciphertext));
                } catch (NoiseTransportException e) {
                    // not this one
                }
            }
            return null;
        }

        /** Closes (zeroes) and forgets the grace-period and unconfirmed sessions whose time is up. */
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

        /** Closes and forgets the grace-period sessions, keeps a departed peer's; whether one was kept. */
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

        /** Keeps {@code session} as an unconfirmed responder session until {@code expiresAt} (clock millis). */
        void addPending(NoiseSession session, long expiresAt) {
            pending.addFirst(new Pending(session, expiresAt));
            while (pending.size() > MAX_PENDING_SESSIONS) {
                pending.removeLast().session().close();
            }
        }

        /** The pending session {@code ciphertext} decrypts under (removed from the list), or {@code null}. */
        @Nullable Confirmed decryptWithPending(long nonce, byte[] ciphertext) {
            for (Iterator<Pending> it = pending.iterator(); it.hasNext();) {
                Pending candidate = it.next();
                try {
                    byte[] plaintext = candidate.session().state().decrypt(nonce, ciphertext);
                    it.remove();
                    return new Confirmed(candidate.session(), plaintext);
                } catch (NoiseTransportException e) {
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

        /** Keeps the probe of an abandoned attempt so its late answer is recognised (takes over the probe). */
        void keepStaleProbe(Attempt attempt, long expiresNanos) {
            if (attempt.probeReleased) {
                return;
            }
            attempt.probeReleased = true;
            staleProbes.addFirst(new StaleProbe(attempt.probe, expiresNanos));
            while (staleProbes.size() > MAX_STALE_PROBES) {
                staleProbes.removeLast().probe().close();
            }
        }

        /** Whether {@code message2} answers one of our abandoned attempts (consumes that probe). */
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
                } catch (NoiseProtocolException | RuntimeException e) {
                    // not this one
                } finally {
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
            if (liveAttempt(timeoutNanos) != null) {
                return false;
            }
            purgeExpired(now);
            purgeStaleProbes(System.nanoTime());
            return previous.isEmpty() && pending.isEmpty() && staleProbes.isEmpty()
                    && (invalidationsInWindow == 0 || now - invalidationWindowStart >= intervalMillis)
                    && (handshakesInWindow == 0 || now - handshakeWindowStart >= handshakeIntervalMillis);
        }
    }

    /**
     * A decrypt-only session: replaced, invalidated or lost in a tie-break. {@code wonBy} is the attempt of ours that
     * beat it in a simultaneous initiation, else {@code null}. Identity equality (it is removed by identity).
     */
    private static final class Previous {
        private final NoiseSession session;
        private final long expiresAt;
        private final @Nullable Attempt wonBy;
        /** The session of a peer that left the transport, which that peer may reclaim (see peerDisconnected). */
        final boolean departed;

        Previous(NoiseSession session, long expiresAt, @Nullable Attempt wonBy, boolean departed) {
            this.session = session;
            this.expiresAt = expiresAt;
            this.wonBy = wonBy;
            this.departed = departed;
        }

        NoiseSession session() {
            return session;
        }

        @Nullable Attempt wonBy() {
            return wonBy;
        }
    }

    private record Opened(Previous from, byte[] plaintext) {
    }

    /** An unconfirmed responder session (from a peer's {@code HandshakeStart} while we had a session). */
    private record Pending(NoiseSession session, long expiresAt) {
    }

    /** A pending session confirmed by the first frame under it. */
    private record Confirmed(NoiseSession session, byte[] plaintext) {
    }

    /** The handshake state of one of our abandoned attempts (timed out or superseded), until {@code expiresNanos}. */
    private record StaleProbe(NoiseHandshake probe, long expiresNanos) {
    }

    /** A departed peer whose session is retained until {@code expiresAt} (clock millis). */
    private record Departure(PeerKey key, long expiresAt) {
    }

    /**
     * One initiator handshake in progress (and, after the sender finished, until the loop has seen its answer).
     * Fields without a comment are guarded by the peer's lock.
     */
    private static final class Attempt {
        final NoiseSuite suite;
        /** Our initiator ephemeral public key, the tie-break value. */
        final byte[] ephemeral;
        /** Used by the sender's thread only. */
        final NoiseHandshake handshake;
        /** A copy after message 1, for the loop to recognise our finish. */
        final NoiseHandshake probe;
        final BackendReceiver receiver;
        final long startedNanos = System.nanoTime();
        /** When the sender stops waiting for this attempt's answer (nanoTime). */
        final long deadlineNanos;
        /** Set by the sender when the deadline passed without an answer (read by joiners after {@link #done}). */
        volatile boolean timedOut;
        /** Set when the peer left the transport during the attempt; the sender then fails as unreachable. */
        volatile boolean peerLeft;
        /** Completed with {@link #peerLeft}, to wake a sender waiting for {@link #settled}. */
        final CompletableFuture<Void> left = new CompletableFuture<>();
        /** The probe was closed or handed over to the stale list. */
        boolean probeReleased;
        /** Completed once a winning session for the peer is stored (ours, or the peer's simultaneous one). */
        final CompletableFuture<Void> settled = new CompletableFuture<>();
        /** Completed when the sender is done, normally or exceptionally; other senders wait on it. */
        final CompletableFuture<Void> done = new CompletableFuture<>();
        boolean answeredInLoop;
        boolean committed;
        boolean failed;
        boolean finished;
        long finishedNanos;
        byte @Nullable [] competitor;
        byte @Nullable [] competitorSeenBySender;

        Attempt(NoiseSuite suite, byte[] ephemeral, NoiseHandshake handshake, NoiseHandshake probe,
                BackendReceiver receiver, long deadlineNanos) {
            this.suite = suite;
            this.ephemeral = ephemeral;
            this.handshake = handshake;
            this.probe = probe;
            this.receiver = receiver;
            this.deadlineNanos = deadlineNanos;
        }

        /** Closes the probe unless it was already closed or handed over. Under the peer's lock. */
        void releaseProbe() {
            if (!probeReleased) {
                probeReleased = true;
                probe.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Options of a {@link NoiseCryptoProvider}; every one has the reference's default. */
    public static final class Builder {

        private NoiseSuite initiatorSuite = NoiseSuite.DEFAULT;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration rehandshakeInterval = DEFAULT_REHANDSHAKE_INTERVAL;
        private Clock clock = Clock.systemUTC();
        private int cryptoInvalidatedPermits = DEFAULT_CRYPTO_INVALIDATED_PERMITS;
        private Duration cryptoInvalidatedInterval = DEFAULT_CRYPTO_INVALIDATED_INTERVAL;
        private Duration previousSessionGrace = DEFAULT_PREVIOUS_SESSION_GRACE;
        private Predicate<NoiseSuite> suiteAvailable = NoiseSuite::isAvailable;
        private Duration departedRetention = DEFAULT_DEPARTED_SESSION_RETENTION;
        private int handshakePermits = DEFAULT_HANDSHAKE_RATE_LIMIT_PERMITS;
        private Duration handshakeInterval = DEFAULT_HANDSHAKE_RATE_LIMIT_INTERVAL;

        private Builder() {
        }

        /**
         * The suite proposed when this side initiates (default {@link NoiseSuite#DEFAULT}, P-256, as every Bitwarden
         * client). As responder all three suites are always accepted.
         */
        public Builder initiatorSuite(NoiseSuite suite) {
            this.initiatorSuite = Objects.requireNonNull(suite, "suite");
            return this;
        }

        /** How long an initiator waits for the {@code HandshakeFinish} (default 2 s); must be positive. */
        public Builder handshakeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive, got " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * The session age above which a send handshakes again (default 300 s, whole seconds, compared with a strict
         * "older than" on the clock's Unix seconds); must not be negative.
         */
        public Builder rehandshakeInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("rehandshakeInterval must not be negative, got " + interval);
            }
            this.rehandshakeInterval = interval;
            return this;
        }

        /**
         * The wall clock for session ages ({@code last_handshake_time} is Unix seconds), the invalidation rate limit
         * and grace periods (default {@link Clock#systemUTC()}). Handshake timeouts always use real elapsed time.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * At most {@code permits} {@code CryptoInvalidated} replies per peer per {@code interval} (default 2 per second).
         * Zero permits never replies, which also disables the reference's reply to frames without a session.
         */
        public Builder cryptoInvalidatedRateLimit(int permits, Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (permits < 0) {
                throw new IllegalArgumentException("permits must not be negative, got " + permits);
            }
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive, got " + interval);
            }
            this.cryptoInvalidatedPermits = permits;
            this.cryptoInvalidatedInterval = interval;
            return this;
        }

        /**
         * How long a session replaced by a newer handshake, invalidated by the peer, or lost in a simultaneous
         * initiation still decrypts frames already in flight (default 10 s; zero disables). Never used to encrypt.
         */
        public Builder previousSessionGrace(Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("previousSessionGrace must not be negative, got " + grace);
            }
            this.previousSessionGrace = grace;
            return this;
        }

        /**
         * How long the session of a peer that left the transport stays reclaimable by that same peer (default 30 s;
         * zero forgets it at once). It is removed from the repository on departure and kept in memory decrypt-only;
         * a frame from the returning peer that decrypts under it (the peer kept its session in a durable store)
         * makes it current again, so nothing is lost across such a restart. At most {@value #MAX_DEPARTED} are
         * retained per provider. Must not be negative.
         */
        public Builder departedSessionRetention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            if (retention.isNegative()) {
                throw new IllegalArgumentException("departedSessionRetention must not be negative, got " + retention);
            }
            this.departedRetention = retention;
            return this;
        }

        /**
         * At most {@code permits} {@code HandshakeStart}s per peer per {@code interval} are answered (default 20 per
         * second); the excess is dropped ({@link DropReason#RATE_LIMITED}) before any key generation or DH, which
         * bounds the handshake CPU one peer can cost. Both must be positive.
         */
        public Builder handshakeRateLimit(int permits, Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (permits <= 0) {
                throw new IllegalArgumentException("handshake permits must be positive, got " + permits);
            }
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive, got " + interval);
            }
            this.handshakePermits = permits;
            this.handshakeInterval = interval;
            return this;
        }

        /** Test seam: which suites can run here (default {@link NoiseSuite#isAvailable()}). */
        Builder suiteAvailability(Predicate<NoiseSuite> available) {
            this.suiteAvailable = Objects.requireNonNull(available, "available");
            return this;
        }

        /**
         * Builds the provider.
         *
         * @throws IllegalStateException if the initiator suite cannot run here (BLAKE2s without Bouncy Castle)
         */
        public NoiseCryptoProvider build() {
            if (!suiteAvailable.test(initiatorSuite)) {
                throw new IllegalStateException("Noise initiator suite " + initiatorSuite.protocolName()
                        + " is not available: BLAKE2s needs Bouncy Castle (org.bouncycastle:bcprov-jdk18on) on the "
                        + "classpath; use the default " + NoiseSuite.DEFAULT.protocolName() + " or add it");
            }
            return new NoiseCryptoProvider(this);
        }
    }
}
