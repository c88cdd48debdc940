package dev.ipc.crypto.noise;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.spi.SessionRepository;

/**
 * The Noise NN crypto provider, wire-compatible with the {@code bitwarden-ipc} Noise
 * provider (spec §4): a sender with no (fresh) session for its destination runs the
 * two-message handshake first, then every application message travels as a CBOR
 * {@code TransportFrame} (AEAD with the session key, nonces 1, 2, 3, ..., empty
 * associated data) with its topic in clear; an encrypted frame from a peer we hold no
 * session for is answered with {@code CryptoInvalidated}, which makes the peer handshake
 * again on its next send.
 *
 * <p>
 * Defaults as the reference except for the suite: initiate with
 * {@link NoiseSuite#DEFAULT} (X25519, where Bitwarden's clients initiate with P-256;
 * choose {@link NoiseSuite#P256_AESGCM_SHA256} for FIPS), accept all three suites as
 * responder, wait 2 s for the {@code HandshakeFinish}, rehandshake on send when the
 * session is more than 300 s old, at most {@value #MAX_PLAINTEXT_LENGTH} bytes per
 * message toward a peer that takes no fragments (every Bitwarden peer). Sessions live in
 * the {@link SessionRepository} of the {@link CryptoContext} in the reference's shape
 * ({@link NoiseSession}).
 *
 * <p>
 * Between two Java peers a message may be larger, up to
 * {@link Builder#maxMessageSize(int)} (16 MiB): the initiator offers fragments with an
 * extra key in its {@code HandshakeStart} (which the reference ignores), a Java responder
 * answers in the encrypted payload of handshake message 2 (which the reference leaves
 * empty), and a larger payload then travels as several ordinary transport frames, its
 * topic encrypted in the first; the receiver puts them back together within bounded
 * memory and time (see {@code docs/crypto-protocol.md}, section 10).
 *
 * <p>
 * Deliberate fixes of the reference's behaviour (the wire format is unchanged; see
 * {@code docs/crypto-protocol.md}):
 * <ul>
 * <li><b>Per-peer locking.</b> Every change to one peer's session (encrypt and save on
 * send, decrypt and save on receive, responder save, invalidation) happens under that
 * peer's lock; there is no process-wide lock. The lock is never held while waiting for a
 * handshake reply: concurrent senders to a peer that is handshaking wait for that one
 * handshake, senders to other peers and the receive loop go on.</li>
 * <li><b>Simultaneous initiation is resolved deterministically.</b> When both peers send
 * their {@code HandshakeStart} before processing the other's, each answers the other's as
 * responder and completes its own, and both keep the session of the handshake whose
 * initiator ephemeral public key is lower (unsigned lexicographic order). Each side
 * decides from the order of frames on its own receive stream, which the two sides observe
 * consistently. The losing candidate stays decrypt-only for a short grace period, so
 * frames a peer encrypted before it learned the outcome are not lost.</li>
 * <li><b>The send nonce is saved before the frame leaves</b>, so a crash can never make a
 * durable repository reuse a nonce; with a {@linkplain SessionRepository#isDurable()
 * durable} repository as a high-water mark reserved in blocks, so the store is written a
 * few times per thousand messages (see {@link SessionAccess}).</li>
 * <li><b>An undecryptable frame is answered with {@code CryptoInvalidated}</b>
 * (rate-limited per peer; not for replays), so a pair with mismatched keys recovers on
 * the next message instead of after the rehandshake interval.</li>
 * <li><b>Transport send failures are reported</b> to the caller instead of being
 * swallowed.</li>
 * <li><b>Bad input never stops the client</b>: malformed, truncated, oversized, replayed
 * and forged frames are dropped and reported through
 * {@link IpcEventListener#messageDropped}; a failing repository is a
 * {@link ErrorKind#FATAL} {@link IpcException}, not a crash.</li>
 * <li><b>Key material is zeroed</b> when a session, split or handshake is dropped, and
 * never printed.</li>
 * <li><b>Key confirmation before a responder switches.</b> A {@code HandshakeStart} from
 * a peer we already hold a session with is answered, but its session stays pending
 * (unconfirmed) until the peer's first frame decrypts under it; until then the current
 * session keeps encrypting and decrypting. A replayed or forged {@code HandshakeStart}
 * therefore never displaces a working session.</li>
 * <li><b>Handshakes are retried within the caller's deadline</b>
 * ({@link #send(CryptoContext, OutgoingMessage, long)}), and a late
 * {@code HandshakeFinish} of an abandoned attempt is counted
 * {@link DropReason#STALE_HANDSHAKE}.</li>
 * <li><b>A departed peer's session is wiped</b> ({@link #peerDisconnected}), as the
 * reference does since it fixed the same problem; the same peer may reclaim it by proof
 * for a short time (a durable session store).</li>
 * <li><b>Bounded per peer:</b> {@code HandshakeStart}s are rate-limited per peer,
 * warnings a peer can trigger are rate-limited and escape peer-controlled text.</li>
 * </ul>
 *
 * <p>
 * Other small deviations: while an initiator waits for its {@code HandshakeFinish} it
 * ignores (rather than aborting on) undecodable frames and finishes that do not
 * authenticate for its handshake, since they cannot be its answer; a
 * {@code CryptoInvalidated} that the peer sent before it processed our handshake in
 * progress is ignored as stale; a session replaced by a newer handshake or invalidated by
 * the peer stays decrypt-only for {@link Builder#previousSessionGrace(Duration) a grace
 * period} so frames already in flight are still delivered.
 *
 * <p>
 * Structure: {@link Initiator} (send, handshake attempts), {@link InboundHandler} (one
 * frame in, the application message or nothing out; the only reader of handshake
 * answers), {@link PeerTable} and {@link PeerState} (per-peer companion state),
 * {@link SessionAccess} (reading and persisting sessions), {@link NoiseSettings} (options
 * and shared helpers). A handshake is an {@link Attempt} with an explicit state; the
 * sender waits on it and the inbound path settles it.
 *
 * <p>
 * Thread-safe; one instance may serve several clients (per-peer state is kept per session
 * repository). Its in-memory companion state (locks, handshakes in progress, pending and
 * grace-period sessions, rate limits) is not persisted, and is released when a peer
 * leaves (after the retention of its reclaimable session, if any).
 */
public final class NoiseCryptoProvider implements CryptoProvider<NoiseSession> {

	private static final Logger log = LoggerFactory.getLogger(NoiseCryptoProvider.class);

	/**
	 * How long an initiator waits for the {@code HandshakeFinish} (2 s, the reference's).
	 */
	public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

	/** Age after which a send first handshakes again (300 s, the reference's). */
	public static final Duration DEFAULT_REHANDSHAKE_INTERVAL = Duration.ofSeconds(300);

	/**
	 * How many {@code CryptoInvalidated} replies one peer may trigger per
	 * {@link #DEFAULT_CRYPTO_INVALIDATED_INTERVAL}.
	 */
	public static final int DEFAULT_CRYPTO_INVALIDATED_PERMITS = 2;

	/** The window of the {@code CryptoInvalidated} rate limit. */
	public static final Duration DEFAULT_CRYPTO_INVALIDATED_INTERVAL = Duration.ofSeconds(1);

	/**
	 * How long a replaced or invalidated session still decrypts frames already in flight.
	 */
	public static final Duration DEFAULT_PREVIOUS_SESSION_GRACE = Duration.ofSeconds(10);

	/**
	 * How long the session of a peer that left the transport may still be reclaimed by
	 * that same peer, proving it with a frame that decrypts under it (a restarted peer
	 * with a durable session store). Never used to encrypt.
	 */
	public static final Duration DEFAULT_DEPARTED_SESSION_RETENTION = Duration.ofSeconds(30);

	/**
	 * How many {@code HandshakeStart}s of one peer are answered per
	 * {@link #DEFAULT_HANDSHAKE_RATE_LIMIT_INTERVAL}.
	 */
	public static final int DEFAULT_HANDSHAKE_RATE_LIMIT_PERMITS = 20;

	/** The window of the per-peer handshake rate limit. */
	public static final Duration DEFAULT_HANDSHAKE_RATE_LIMIT_INTERVAL = Duration.ofSeconds(1);

	/**
	 * Largest application payload in one transport frame: 65535 - 16 = 65519 bytes; the
	 * limit of every message toward a peer that takes no fragments (a Bitwarden peer).
	 */
	public static final int MAX_PLAINTEXT_LENGTH = NoiseTransportState.MAX_PLAINTEXT_LENGTH;

	/**
	 * Default {@link Builder#maxMessageSize(int)}: 16 MiB, the largest message between
	 * two Java peers (sent as fragments above {@value #MAX_PLAINTEXT_LENGTH} bytes).
	 */
	public static final int DEFAULT_MAX_MESSAGE_SIZE = FragmentLimits.DEFAULT_MAX_MESSAGE_SIZE;

	/** Default {@link Builder#maxReassemblies(int)}. */
	public static final int DEFAULT_MAX_REASSEMBLIES = FragmentLimits.DEFAULT_MAX_REASSEMBLIES;

	/** Default {@link Builder#reassemblyTimeout(Duration)}: 30 s. */
	public static final Duration DEFAULT_REASSEMBLY_TIMEOUT = FragmentLimits.DEFAULT_REASSEMBLY_TIMEOUT;

	private final NoiseSettings settings;

	private final PeerTable peers;

	private final Initiator initiator;

	private final InboundHandler inbound;

	/**
	 * Whether a provider of this class loader has warmed up: what {@link #warmUp()}
	 * prepares (classes, JCA providers, compiled code) is the JVM's, not a provider's, so
	 * a second client in the process does not pay three more handshakes on start.
	 */
	private static final AtomicBoolean WARM = new AtomicBoolean();

	private final @Nullable PeerAuthentication authentication;

	/** A provider with every default. */
	public NoiseCryptoProvider() {
		this(builder());
	}

	private NoiseCryptoProvider(Builder builder) {
		this.settings = new NoiseSettings(builder.initiatorSuite, builder.handshakeTimeout, builder.rehandshakeInterval,
				builder.clock, builder.cryptoInvalidatedPermits, builder.cryptoInvalidatedInterval,
				builder.previousSessionGrace, builder.suiteAvailable, builder.departedRetention,
				builder.handshakePermits, builder.handshakeInterval,
				new FragmentLimits(builder.maxMessageSize,
						builder.maxReassemblyBytes > 0 ? builder.maxReassemblyBytes
								: FragmentLimits.defaultReassemblyBytes(builder.maxMessageSize),
						builder.maxReassemblies, builder.reassemblyTimeout),
				builder.authentication == null ? null : builder.authentication.authenticator());
		this.authentication = builder.authentication;
		this.peers = new PeerTable(settings);
		this.initiator = new Initiator(settings, peers);
		this.inbound = new InboundHandler(settings, peers);
	}

	/** A builder starting from the defaults. */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * The authentication this provider applies, if any (without it every peer runs plain
	 * NN).
	 */
	public Optional<PeerAuthentication> authentication() {
		return Optional.ofNullable(authentication);
	}

	/**
	 * Whether, and by which static key, the peer that sent the last application message
	 * delivered from {@code peer} was authenticated; empty for plain NN (and without
	 * {@linkplain Builder#authentication authentication}). A handler reads it for the
	 * message's {@code source().toEndpoint()}: the {@code Source} itself keeps
	 * Bitwarden's wire shape.
	 */
	public Optional<PeerIdentity> peerIdentity(Endpoint peer) {
		return authentication == null ? Optional.empty() : authentication.identityOf(peer);
	}

	/** The suite this provider proposes when it initiates. */
	public NoiseSuite initiatorSuite() {
		return settings.initiatorSuite;
	}

	/** How long an initiator waits for the peer's {@code HandshakeFinish}. */
	public Duration handshakeTimeout() {
		return settings.handshakeTimeout;
	}

	/** The largest application payload this provider sends or accepts. */
	public int maxMessageSize() {
		return settings.fragmentation.limits.maxMessageSize();
	}

	/** The session age (whole seconds) above which a send handshakes again. */
	public Duration rehandshakeInterval() {
		return settings.rehandshakeInterval;
	}

	/**
	 * Encrypts and sends one application message, first running a handshake when there is
	 * no session for the destination or it is older than the rehandshake interval. The
	 * handshake's answer is read by this provider's {@link #process} (the client's
	 * inbound path), which wakes this sender; the peer's lock is not held meanwhile.
	 * @throws IpcException kind {@link ErrorKind#OTHER} if the payload exceeds the
	 * largest message size (before anything is sent), exceeds
	 * {@value #MAX_PLAINTEXT_LENGTH} bytes toward a peer that takes no fragments or the
	 * peer's own limit (before anything of it is sent), the handshake times out or the
	 * transport fails to send; {@link IpcUnreachableException} if the destination is not
	 * connected (the session is then dropped, so the next send handshakes again); kind
	 * {@link ErrorKind#FATAL} if the session repository or the transport fails
	 * permanently
	 */
	@Override
	public void send(CryptoContext<NoiseSession> context, OutgoingMessage message) {
		send(context, message, 0L, false);
	}

	/**
	 * {@link #send(CryptoContext, OutgoingMessage)} within the caller's deadline: a
	 * handshake that gets no {@code HandshakeFinish} within the handshake timeout is
	 * retried with a fresh {@code HandshakeStart} while the deadline allows (each attempt
	 * waits at most the handshake timeout, and never past the deadline). A late answer to
	 * an abandoned attempt is recognised and counted {@link DropReason#STALE_HANDSHAKE}.
	 * @param deadlineNanos a {@link System#nanoTime()} deadline
	 * @throws IpcException as {@link #send(CryptoContext, OutgoingMessage)}; kind
	 * {@link ErrorKind#OTHER} when no handshake completed by the deadline;
	 * {@link IpcUnreachableException} when the peer is not connected or left during the
	 * handshake
	 */
	@Override
	public void send(CryptoContext<NoiseSession> context, OutgoingMessage message, long deadlineNanos) {
		send(context, message, deadlineNanos, true);
	}

	private void send(CryptoContext<NoiseSession> context, OutgoingMessage message, long deadlineNanos,
			boolean retryUntilDeadline) {
		Objects.requireNonNull(context, "context");
		Objects.requireNonNull(message, "message");
		Fragmenter.checkOwnLimit(message.payload().length, settings.fragmentation.limits.maxMessageSize());
		initiator.send(context, message, deadlineNanos, retryUntilDeadline);
	}

	/**
	 * Processes one incoming frame: returns the decrypted application message of a
	 * {@code TransportFrame}; answers a {@code HandshakeStart}, settles our handshake on
	 * its {@code HandshakeFinish} (waking its sender) and handles a
	 * {@code CryptoInvalidated}, returning {@code null}. Bad frames are dropped and
	 * reported, never thrown. Never waits except for the peer's lock.
	 * @throws IpcException kind {@link ErrorKind#FATAL} when the session repository or
	 * the transport fails permanently
	 */
	@Override
	public @Nullable IncomingMessage process(CryptoContext<NoiseSession> context, IncomingMessage frame) {
		try {
			return inbound.process(context, frame);
		}
		catch (IpcException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			settings.warnings.error(log, "unexpected",
					"Noise: unexpected error while processing a frame from {}; " + "dropping it: {}",
					LogSafe.of(frame.source()), LogSafe.of(ex));
			log.debug("Noise: the unexpected error", ex);
			return null;
		}
	}

	/**
	 * Forgets what this provider keeps for a peer that left the transport: its session
	 * (removed from the repository and zeroed), unconfirmed and grace-period sessions,
	 * late-answer probes and rate-limit windows; a handshake with it in progress fails at
	 * once with {@link IpcUnreachableException} (senders waiting for it too). The next
	 * send to the peer therefore handshakes afresh, and a rejoining peer's own handshake
	 * is installed at once. Only if the same peer comes back still holding the session (a
	 * durable session store) and proves it with a frame that decrypts under it, within
	 * {@link Builder#departedSessionRetention(Duration)}, is the session taken back;
	 * until then it is kept decrypt-only in memory, never used to encrypt. Never blocks
	 * on the network.
	 */
	@Override
	public void peerDisconnected(CryptoContext<NoiseSession> context, Endpoint peer) {
		Objects.requireNonNull(context, "context");
		Objects.requireNonNull(peer, "peer");
		SessionRepository<NoiseSession> scope = context.sessions();
		PeerState p = peers.lock(scope, peer);
		try {
			Attempt attempt = p.attempt;
			if (attempt != null && attempt.awaitingFinish()) {
				Initiator.fail(settings, context, p, peer, attempt, Attempt.State.PEER_LEFT,
						new IpcUnreachableException(peer, "it left the transport during the Noise handshake"),
						"destination unreachable");
			}
			// a repeated notice (the transport and the client both telling, or two quick
			// departures) keeps the
			// session a previous notice retained for the peer to reclaim
			Fragmentation.discard(p, "the peer left");
			boolean keep = p.clearPreviousExceptDeparted();
			p.clearPending();
			p.clearStaleProbes();
			p.invalidationsInWindow = 0;
			p.handshakesInWindow = 0;
			NoiseSession session = SessionAccess.load(context, p, peer);
			if (session != null) {
				SessionAccess.remove(context, p, peer);
				context.events().sessionInvalidated(peer, "peer disconnected");
				if (settings.departedRetention.isZero()) {
					session.close();
				}
				else {
					long expiresAt = settings.clock.millis() + settings.departedRetention.toMillis();
					p.previous.addFirst(new PeerState.Previous(session, expiresAt, null, true));
					peers.departed(scope, peer, expiresAt);
					keep = true;
				}
			}
			if (!keep) {
				if (p.attempt != null) {
					p.attempt.releaseHandshake();
					p.attempt = null;
				}
				peers.forget(scope, peer, p);
			}
			log.debug("Noise: {} left the transport; its session is forgotten", LogSafe.of(peer));
		}
		finally {
			p.lock.unlock();
		}
	}

	/**
	 * Runs one complete in-memory handshake and one transport round trip for every suite
	 * available here, so that key-pair generators, key agreement, AEAD ciphers, HMAC,
	 * SHA-256 (and BLAKE2s), the random source and the frame codec are loaded and
	 * initialised before the first real handshake, whose timeout they would otherwise eat
	 * into on a cold JVM; and prepares the first handshake's ephemeral key
	 * ({@link EphemeralKeys}) unless one is ready. Idempotent and once per class loader
	 * (only the first call of the first provider does the work: what it prepares is the
	 * JVM's); never throws, never touches the network.
	 */
	@Override
	public void warmUp() {
		if (!WARM.get()) {
			warmUpEverySuite();
		}
		// for the first handshake (after the warm-up's own, which take prepared keys)
		EphemeralKeys.refill(settings.initiatorSuite.dh());
	}

	private void warmUpEverySuite() {
		for (NoiseSuite suite : NoiseSuite.values()) {
			if (!settings.suiteAvailable.test(suite)) {
				continue;
			}
			try {
				warmUp(suite);
			}
			catch (NoiseProtocolException | NoiseFrameException | NoiseTransportException | RuntimeException
					| LinkageError ex) {
				log.debug("Noise: warming up {} failed: {}", suite.protocolName(), ex.toString());
			}
		}
		WARM.set(true);
	}

	private void warmUp(NoiseSuite suite) throws NoiseProtocolException, NoiseFrameException, NoiseTransportException {
		NoiseHandshake initiatorSide = NoiseHandshake.initiator(suite);
		NoiseHandshake responderSide = NoiseHandshake.responder(suite);
		try {
			byte[] message1 = initiatorSide.writeMessage();
			NoiseFrame start = NoiseFrameCodec.decode(NoiseFrameCodec.encode(new HandshakeStart(suite, message1)));
			responderSide.readMessage(((HandshakeStart) start).noiseFrame());
			byte[] message2 = responderSide.writeMessage();
			initiatorSide.readMessage(message2);
			try (NoiseSession sending = settings.sessionFrom(initiatorSide, true, suite);
					NoiseSession receiving = settings.sessionFrom(responderSide, false, suite)) {
				TransportFrame frame = (TransportFrame) NoiseFrameCodec
					.decode(NoiseFrameCodec.encode(sending.state().encrypt(new byte[32])));
				receiving.state().decrypt(frame.nonce(), frame.payload());
			}
		}
		finally {
			initiatorSide.close();
			responderSide.close();
		}
	}

	/** Whether {@link #warmUp()} has run, for tests. */
	boolean isWarm() {
		return WARM.get();
	}

	/**
	 * Number of peers with in-memory companion state (locks, handshakes, grace sessions),
	 * for tests.
	 */
	int trackedPeers() {
		return peers.size();
	}

	/** The large-message machinery, for tests. */
	Fragmentation fragmentation() {
		return settings.fragmentation;
	}

	@Override
	public String toString() {
		return "NoiseCryptoProvider[initiatorSuite=" + settings.initiatorSuite.protocolName() + ", handshakeTimeout="
				+ settings.handshakeTimeout + ", rehandshakeInterval=" + settings.rehandshakeInterval + "]";
	}

	/**
	 * Options of a {@link NoiseCryptoProvider}; every one has the reference's default.
	 */
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

		private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;

		private long maxReassemblyBytes;

		private int maxReassemblies = DEFAULT_MAX_REASSEMBLIES;

		private Duration reassemblyTimeout = DEFAULT_REASSEMBLY_TIMEOUT;

		private @Nullable PeerAuthentication authentication;

		private Builder() {
		}

		/**
		 * The largest application payload sent or accepted (default 16 MiB, at most 1
		 * GiB). Between two Java peers a payload above {@value #MAX_PLAINTEXT_LENGTH}
		 * bytes travels as several encrypted transport frames (fragments), negotiated in
		 * the handshake; toward a peer that did not advertise fragments (a Bitwarden
		 * peer) every message stays limited to {@value #MAX_PLAINTEXT_LENGTH} bytes. A
		 * send over the limit is refused before anything is sent; a received message
		 * declaring more is dropped ({@link DropReason#OVERSIZED_MESSAGE}). A value of
		 * {@value #MAX_PLAINTEXT_LENGTH} or less turns fragmentation off (not
		 * advertised).
		 * @throws IllegalArgumentException if not between 1 and 1 GiB
		 */
		public Builder maxMessageSize(int bytes) {
			if (bytes < 1 || bytes > FragmentLimits.MAX_MESSAGE_SIZE_LIMIT) {
				throw new IllegalArgumentException("maxMessageSize must be between 1 and "
						+ FragmentLimits.MAX_MESSAGE_SIZE_LIMIT + " bytes (1 GiB), got " + bytes);
			}
			this.maxMessageSize = bytes;
			return this;
		}

		/**
		 * The most bytes all peers' messages in reassembly may hold together (default 4 x
		 * {@link #maxMessageSize(int)}); each is allocated at its declared length when
		 * its first fragment arrives, and a message that does not fit is dropped
		 * ({@link DropReason#REASSEMBLY_OVERFLOW}). Must be at least the largest message
		 * size.
		 */
		public Builder maxReassemblyBytes(long bytes) {
			if (bytes < 1) {
				throw new IllegalArgumentException("maxReassemblyBytes must be positive, got " + bytes);
			}
			this.maxReassemblyBytes = bytes;
			return this;
		}

		/**
		 * The most messages in reassembly at once, all peers together (default
		 * {@value #DEFAULT_MAX_REASSEMBLIES}); each peer has at most one, since its
		 * fragments never interleave. Must be positive.
		 */
		public Builder maxReassemblies(int count) {
			if (count < 1) {
				throw new IllegalArgumentException("maxReassemblies must be positive, got " + count);
			}
			this.maxReassemblies = count;
			return this;
		}

		/**
		 * How long a fragmented message may take from its first fragment to its last
		 * (default 30 s); after that it is dropped
		 * ({@link DropReason#INCOMPLETE_MESSAGE}) and its memory released, at the next
		 * frame from any peer. Must be positive.
		 */
		public Builder reassemblyTimeout(Duration timeout) {
			Objects.requireNonNull(timeout, "timeout");
			if (timeout.isNegative() || timeout.isZero()) {
				throw new IllegalArgumentException("reassemblyTimeout must be positive, got " + timeout);
			}
			this.reassemblyTimeout = timeout;
			return this;
		}

		/**
		 * Authenticated peers: static keys, known peers, a policy per endpoint, pairing
		 * (default none: plain NN with every peer, as Bitwarden).
		 */
		public Builder authentication(PeerAuthentication authentication) {
			this.authentication = Objects.requireNonNull(authentication, "authentication");
			return this;
		}

		/**
		 * The suite proposed when this side initiates (default
		 * {@link NoiseSuite#DEFAULT}, X25519; Bitwarden's clients propose P-256, which is
		 * also the suite to choose where FIPS-approved algorithms are required). As
		 * responder all three suites are always accepted, so peers with different choices
		 * still talk.
		 */
		public Builder initiatorSuite(NoiseSuite suite) {
			this.initiatorSuite = Objects.requireNonNull(suite, "suite");
			return this;
		}

		/**
		 * How long an initiator waits for the {@code HandshakeFinish} (default 2 s); must
		 * be positive.
		 */
		public Builder handshakeTimeout(Duration timeout) {
			Objects.requireNonNull(timeout, "timeout");
			if (timeout.isNegative() || timeout.isZero()) {
				throw new IllegalArgumentException("handshakeTimeout must be positive, got " + timeout);
			}
			this.handshakeTimeout = timeout;
			return this;
		}

		/**
		 * The session age above which a send handshakes again (default 300 s, whole
		 * seconds, compared with a strict "older than" on the clock's Unix seconds); must
		 * not be negative.
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
		 * The wall clock for session ages ({@code last_handshake_time} is Unix seconds),
		 * the invalidation rate limit and grace periods (default
		 * {@link Clock#systemUTC()}). Handshake timeouts always use real elapsed time.
		 */
		public Builder clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock");
			return this;
		}

		/**
		 * At most {@code permits} {@code CryptoInvalidated} replies per peer per
		 * {@code interval} (default 2 per second). Zero permits never replies, which also
		 * disables the reference's reply to frames without a session.
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
		 * How long a session replaced by a newer handshake, invalidated by the peer, or
		 * lost in a simultaneous initiation still decrypts frames already in flight
		 * (default 10 s; zero disables). Never used to encrypt.
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
		 * How long the session of a peer that left the transport stays reclaimable by
		 * that same peer (default 30 s; zero forgets it at once). It is removed from the
		 * repository on departure and kept in memory decrypt-only; a frame from the
		 * returning peer that decrypts under it (the peer kept its session in a durable
		 * store) makes it current again, so nothing is lost across such a restart. At
		 * most {@value PeerTable#MAX_DEPARTED} are retained per provider. Must not be
		 * negative.
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
		 * At most {@code permits} {@code HandshakeStart}s per peer per {@code interval}
		 * are answered (default 20 per second); the excess is dropped
		 * ({@link DropReason#RATE_LIMITED}) before any key generation or DH, which bounds
		 * the handshake CPU one peer can cost. Both must be positive.
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

		/**
		 * Test seam: which suites can run here (default
		 * {@link NoiseSuite#isAvailable()}).
		 */
		Builder suiteAvailability(Predicate<NoiseSuite> available) {
			this.suiteAvailable = Objects.requireNonNull(available, "available");
			return this;
		}

		/**
		 * Builds the provider.
		 * @throws IllegalStateException if the initiator suite cannot run here (BLAKE2s
		 * without Bouncy Castle)
		 */
		public NoiseCryptoProvider build() {
			if (maxReassemblyBytes > 0 && maxReassemblyBytes < maxMessageSize) {
				throw new IllegalStateException("maxReassemblyBytes (" + maxReassemblyBytes
						+ ") must be at least maxMessageSize (" + maxMessageSize + ")");
			}
			if (!suiteAvailable.test(initiatorSuite)) {
				throw new IllegalStateException("Noise initiator suite " + initiatorSuite.protocolName()
						+ " is not available: BLAKE2s needs Bouncy Castle (org.bouncycastle:bcprov-jdk18on) on the "
						+ "classpath; use the default " + NoiseSuite.DEFAULT.protocolName() + " or add it");
			}
			return new NoiseCryptoProvider(this);
		}

	}

}
