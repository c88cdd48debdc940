package dev.ipc.crypto.noise;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.ipc.crypto.noise.StaticKeys.Algorithm;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;

/**
 * The decisions of {@link PeerAuthentication} for the Noise provider: which pattern to
 * initiate with, whether to run an incoming one, what a finished handshake proved, and
 * whether a frame under a session may be delivered under the peer's policy. It remembers
 * which session was authenticated by which key (by a hash of the session's receive key,
 * so copies and repository round trips match; nothing survives a restart, so under
 * {@code REQUIRED} a session restored from a durable store is refused and renegotiated),
 * and the keys a pairing responder holds until the initiator's first frame proves it
 * holds the pairing key. All maps are bounded. Thread-safe.
 */
final class PeerAuthenticator {

	/** Version byte, X25519 key, P-256 key: the payload of both NNpsk2 messages. */
	static final int PAIRING_PAYLOAD_LENGTH = 1 + 32 + 65;

	private static final int MAX_SESSIONS = 4096;

	private static final int MAX_PENDING = 256;

	private static final byte PAIRING_VERSION = 1;

	private static final byte[] EMPTY = new byte[0];

	private static final byte[] SESSION_ID_LABEL = "dev.ipc.noise session id"
		.getBytes(java.nio.charset.StandardCharsets.US_ASCII);

	private final PeerAuthentication config;

	private final Map<ByteBuffer, PeerIdentity> identities = lru(MAX_SESSIONS);

	private final Map<ByteBuffer, Pending> pending = lru(MAX_PENDING);

	private final Map<Endpoint, PeerIdentity> delivered = lru(MAX_SESSIONS);

	/** An initiation: the handshake after message 1, and what it will prove. */
	record Plan(NoisePattern pattern, NoiseHandshake handshake, byte[] message1, @Nullable PeerIdentity pinned) {
	}

	/** A responder's handshake after message 2. */
	record Answer(NoiseHandshake handshake, byte[] message2, @Nullable PeerIdentity identity, @Nullable Pending pending,
			boolean featuresSent) {
	}

	/** Keys a pairing responder stores once the initiator's first frame decrypts. */
	record Pending(Endpoint peer, byte[] x25519, byte[] p256, NoiseSuite suite) {
	}

	/** A handshake this side will not run or accept. */
	static final class Refusal extends Exception {

		private static final long serialVersionUID = 1L;

		/** What the peer is told (no secrets, no local paths). */
		final String peerReason;

		Refusal(String localMessage, String peerReason) {
			super(localMessage, null, false, false);
			this.peerReason = peerReason;
		}

	}

	PeerAuthenticator(PeerAuthentication config) {
		this.config = config;
	}

	PeerAuthentication.PairingListener listener() {
		return config.listener();
	}

	AuthenticationPolicy policyFor(Endpoint peer) {
		return config.policyFor(peer);
	}

	/**
	 * The handshake to initiate with {@code peer}: NN (policy none, or optional with an
	 * unknown peer and no pairing key), KK (known peer), NNpsk2 (pairing key).
	 * @throws Refusal if the policy requires authentication and neither a known key nor a
	 * pairing key is there
	 */
	Plan initiate(Endpoint peer, NoiseSuite suite) throws Refusal, NoiseProtocolException {
		AuthenticationPolicy policy = config.policyFor(peer);
		if (policy == AuthenticationPolicy.NONE) {
			return plan(NoiseHandshake.initiator(suite), EMPTY, null);
		}
		Algorithm algorithm = Algorithm.of(suite);
		Optional<KnownPeers.Entry> known = config.knownPeers().lookup(peer, algorithm);
		if (known.isPresent()) {
			KnownPeers.Entry entry = known.get();
			NoiseHandshake kk = NoiseHandshake.create(suite, NoisePattern.KK, true, config.staticKeys().keyPair(suite),
					entry.publicKey(), null);
			return plan(kk, EMPTY, identity(peer, NoisePattern.KK, algorithm, entry.publicKey()));
		}
		byte[] psk = config.pairingKey();
		if (psk != null) {
			NoiseHandshake pairing = NoiseHandshake.create(suite, NoisePattern.NNpsk2, true, null, null, psk);
			return plan(pairing, pairingPayload(), null);
		}
		if (policy == AuthenticationPolicy.OPTIONAL) {
			// with a comparison hook, an unknown peer gets our keys for a person to
			// confirm
			boolean compare = config.comparisons() != ShortAuthenticationString.Listener.NONE;
			return plan(NoiseHandshake.initiator(suite), compare ? pairingPayload() : EMPTY, null);
		}
		throw new Refusal(notMet(peer), "authentication required");
	}

	/**
	 * The error when {@code required} cannot be met toward {@code peer}: what to change.
	 */
	String notMet(Endpoint peer) {
		return "Noise authentication is required for " + LogSafe.of(peer) + " but it is not a known peer ("
				+ config.knownPeers() + " has no key for it) and no pairing key is configured: pair the two "
				+ "processes (give both the same 32-byte pairing key, ipc.authentication.pairing-key or "
				+ "pairing-key-file), add its key to the known peers, or set authentication: optional (or none, "
				+ "for a Bitwarden peer) for this endpoint";
	}

	private static Plan plan(NoiseHandshake handshake, byte[] payload, @Nullable PeerIdentity pinned)
			throws NoiseProtocolException {
		try {
			return new Plan(handshake.pattern(), handshake, handshake.writeMessage(payload), pinned);
		}
		catch (NoiseProtocolException | RuntimeException ex) {
			handshake.close();
			throw ex;
		}
	}

	/**
	 * What a completed initiator handshake proved: the pinned key (KK), the responder's
	 * keys, now stored in the known peers (NNpsk2), or nothing (NN).
	 * @throws Refusal if pairing presents a changed key for a known endpoint, or a
	 * malformed payload
	 */
	@Nullable PeerIdentity initiatorFinished(Endpoint peer, NoiseSuite suite, Plan plan, byte[] payload, byte[] handshakeHash)
			throws Refusal {
		if (plan.pattern() == NoisePattern.KK) {
			return plan.pinned();
		}
		if (plan.pattern() == NoisePattern.NN) {
			offerComparison(peer, payload, handshakeHash);
			return null;
		}
		if (plan.pattern() != NoisePattern.NNpsk2) {
			return null;
		}
		byte[][] keys = parsePairingPayload(peer, payload);
		return store(peer, keys[0], keys[1], suite);
	}

	/**
	 * The responder's handshake for an incoming {@code pattern}, run to message 2.
	 * @throws Refusal if the policy does not allow the pattern, this side cannot run it
	 * (no known key, no pairing key), or message 1 does not authenticate (a changed key
	 * or a man in the middle)
	 * @param features the payload of message 2 when it carries no static keys (our
	 * {@link Features} for a Java initiator that offered them, else empty)
	 * @throws NoiseProtocolException if message 1 is malformed (not an authentication
	 * matter: dropped as malformed)
	 */
	Answer respond(Endpoint peer, NoisePattern pattern, NoiseSuite suite, byte[] message1, byte[] features)
			throws Refusal, NoiseProtocolException {
		AuthenticationPolicy policy = config.policyFor(peer);
		Algorithm algorithm = Algorithm.of(suite);
		switch (pattern) {
			case NN -> {
				if (policy == AuthenticationPolicy.REQUIRED) {
					throw new Refusal("Noise: refusing a plain NN handshake from " + LogSafe.of(peer)
							+ ": authentication is required for it", "authentication required; NN refused");
				}
				if (policy == AuthenticationPolicy.OPTIONAL && config.knownPeers().isKnown(peer)) {
					throw new Refusal("Noise: refusing a plain NN handshake from " + LogSafe.of(peer)
							+ ": it is a known peer and must authenticate (KK)", "known peer; NN refused");
				}
				NoiseHandshake nn = NoiseHandshake.responder(suite);
				byte[] payload1 = readOrClose(nn, message1);
				boolean compare = policy == AuthenticationPolicy.OPTIONAL
						&& config.comparisons() != ShortAuthenticationString.Listener.NONE
						&& payload1.length == PAIRING_PAYLOAD_LENGTH;
				byte[] message2 = writeOrClose(nn, compare ? pairingPayload() : features);
				if (compare) {
					offerComparison(peer, payload1, nn.handshakeHash());
				}
				return new Answer(nn, message2, null, null, !compare && features.length > 0);
			}
			case KK -> {
				requireNotNone(peer, policy, pattern);
				Optional<KnownPeers.Entry> known = config.knownPeers().lookup(peer, algorithm);
				if (known.isEmpty()) {
					throw new Refusal("Noise: refusing a KK handshake from " + LogSafe.of(peer)
							+ ": it is not a known peer (pair first)", "unknown peer; pair first");
				}
				byte[] key = known.get().publicKey();
				NoiseHandshake kk = NoiseHandshake.create(suite, NoisePattern.KK, false,
						config.staticKeys().keyPair(suite), key, null);
				try {
					return answer(kk, message1, features, identity(peer, NoisePattern.KK, algorithm, key), null);
				}
				catch (NoiseAuthenticationException ex) {
					throw new Refusal(
							"Noise: the KK handshake from " + LogSafe.of(peer)
									+ " does not authenticate with its known key " + known.get().fingerprint()
									+ " (or with ours): its static key may have changed, or someone is in the middle. "
									+ "If the change is expected, remove it from the known peers and pair again",
							"KK authentication failed: keys do not match");
				}
			}
			case NNpsk2 -> {
				requireNotNone(peer, policy, pattern);
				byte[] psk = config.pairingKey();
				if (psk == null) {
					throw new Refusal("Noise: refusing a pairing (NNpsk2) handshake from " + LogSafe.of(peer)
							+ ": no pairing key is configured here", "no pairing key configured");
				}
				NoiseHandshake pairing = NoiseHandshake.create(suite, NoisePattern.NNpsk2, false, null, null, psk);
				byte[] payload1 = readOrClose(pairing, message1);
				byte[][] keys = parsePairingPayload(peer, payload1);
				for (Algorithm each : Algorithm.values()) {
					Optional<KnownPeers.Entry> known = config.knownPeers().lookup(peer, each);
					byte[] offered = each == Algorithm.X25519 ? keys[0] : keys[1];
					if (known.isPresent() && !Arrays.equals(known.get().publicKey(), offered)) {
						pairing.close();
						throw new Refusal(KnownPeers.changedMessage(peer, known.get(), StaticKeys.fingerprint(offered)),
								"static key changed for a known endpoint; re-pairing refused");
					}
				}
				byte[] message2 = writeOrClose(pairing, pairingPayload());
				return new Answer(pairing, message2, null, new Pending(peer, keys[0], keys[1], suite), false);
			}
			default -> throw new Refusal(
					"Noise: refusing a " + pattern + " handshake from " + LogSafe.of(peer) + ": not negotiated here",
					"pattern " + pattern + " not supported");
		}
	}

	private static void requireNotNone(Endpoint peer, AuthenticationPolicy policy, NoisePattern pattern)
			throws Refusal {
		if (policy == AuthenticationPolicy.NONE) {
			throw new Refusal("Noise: refusing a " + pattern + " handshake from " + LogSafe.of(peer)
					+ ": its policy is authentication: none (plain NN)", "authentication: none here; use NN");
		}
	}

	private static Answer answer(NoiseHandshake handshake, byte[] message1, byte[] payload2,
			@Nullable PeerIdentity identity, @Nullable Pending pending) throws NoiseProtocolException {
		readOrClose(handshake, message1);
		return new Answer(handshake, writeOrClose(handshake, payload2), identity, pending, payload2.length > 0);
	}

	private static byte[] readOrClose(NoiseHandshake handshake, byte[] message) throws NoiseProtocolException {
		try {
			return handshake.readMessageWithPayload(message);
		}
		catch (NoiseProtocolException | RuntimeException ex) {
			handshake.close();
			throw ex;
		}
	}

	private static byte[] writeOrClose(NoiseHandshake handshake, byte[] payload) throws NoiseProtocolException {
		try {
			return handshake.writeMessage(payload);
		}
		catch (NoiseProtocolException | RuntimeException ex) {
			handshake.close();
			throw ex;
		}
	}

	/**
	 * Asks the application to compare the short authentication string of an NN handshake
	 * whose payload carried the peer's keys; a confirmation stores them.
	 */
	private void offerComparison(Endpoint peer, byte[] payload, byte[] handshakeHash) {
		if (config.comparisons() == ShortAuthenticationString.Listener.NONE || payload.length != PAIRING_PAYLOAD_LENGTH
				|| config.knownPeers().isKnown(peer)) {
			return;
		}
		byte[][] keys;
		try {
			keys = parsePairingPayload(peer, payload);
		}
		catch (Refusal ex) {
			return;
		}
		String digits = ShortAuthenticationString.of(handshakeHash);
		ShortAuthenticationString.Comparison comparison = new ShortAuthenticationString.Comparison(peer, digits,
				StaticKeys.fingerprint(keys[1]), () -> {
					config.knownPeers().add(peer, Algorithm.X25519, keys[0]);
					config.knownPeers().add(peer, Algorithm.P256, keys[1]);
					config.listener().paired(identity(peer, NoisePattern.NN, Algorithm.P256, keys[1]));
				});
		try {
			config.comparisons().compare(comparison);
		}
		catch (RuntimeException ex) {
			// the application's hook failed: nothing is stored
		}
	}

	/** Remembers what {@code session} proved (or will, once confirmed). */
	void register(NoiseSession session, @Nullable PeerIdentity identity, @Nullable Pending pairing) {
		ByteBuffer id = sessionId(session);
		if (identity != null) {
			identities.put(id, identity);
		}
		if (pairing != null) {
			pending.put(id, pairing);
		}
	}

	/**
	 * Whether a frame that decrypted under {@code session} may be delivered: commits a
	 * pending pairing (the initiator proved the pairing key), then applies the policy.
	 */
	boolean admit(Endpoint peer, NoiseSession session) {
		ByteBuffer id = sessionId(session);
		Pending pairing = pending.remove(id);
		if (pairing != null) {
			try {
				identities.put(id, store(peer, pairing.x25519(), pairing.p256(), pairing.suite()));
			}
			catch (Refusal ex) {
				config.listener().refused(peer, ex.peerReason);
				return false;
			}
		}
		PeerIdentity identity = identities.get(id);
		if (identity != null) {
			if (delivered.get(peer) != identity) {
				delivered.put(peer, identity);
			}
			return true;
		}
		delivered.remove(peer);
		return allowsUnauthenticated(peer);
	}

	/** Whether {@code session} may encrypt to {@code peer} under its policy. */
	boolean usableForSend(Endpoint peer, NoiseSession session) {
		ByteBuffer id = sessionId(session);
		return identities.containsKey(id) || pending.containsKey(id) || allowsUnauthenticated(peer);
	}

	private boolean allowsUnauthenticated(Endpoint peer) {
		return switch (config.policyFor(peer)) {
			case NONE -> true;
			case OPTIONAL -> !config.knownPeers().isKnown(peer);
			case REQUIRED -> false;
		};
	}

	Optional<PeerIdentity> lastDelivered(Endpoint peer) {
		return Optional.ofNullable(delivered.get(peer));
	}

	private PeerIdentity store(Endpoint peer, byte[] x25519, byte[] p256, NoiseSuite suite) throws Refusal {
		try {
			config.knownPeers().add(peer, Algorithm.X25519, x25519);
			config.knownPeers().add(peer, Algorithm.P256, p256);
		}
		catch (KnownPeers.KeyChangedException ex) {
			throw new Refusal(ex.getMessage(), "static key changed for a known endpoint; re-pairing refused");
		}
		catch (IllegalStateException ex) {
			throw new Refusal("Noise: cannot store the paired key of " + LogSafe.of(peer) + ": " + ex.getMessage(),
					"pairing could not be stored");
		}
		Algorithm algorithm = Algorithm.of(suite);
		PeerIdentity identity = identity(peer, NoisePattern.NNpsk2, algorithm,
				algorithm == Algorithm.X25519 ? x25519 : p256);
		config.listener().paired(identity);
		return identity;
	}

	private static PeerIdentity identity(Endpoint peer, NoisePattern pattern, Algorithm algorithm, byte[] key) {
		return new PeerIdentity(peer, pattern, algorithm, key, StaticKeys.fingerprint(key));
	}

	private byte[] pairingPayload() {
		ByteBuffer out = ByteBuffer.allocate(PAIRING_PAYLOAD_LENGTH);
		out.put(PAIRING_VERSION);
		out.put(config.staticKeys().publicKey(Algorithm.X25519));
		out.put(config.staticKeys().publicKey(Algorithm.P256));
		return out.array();
	}

	private static byte[][] parsePairingPayload(Endpoint peer, byte[] payload) throws Refusal {
		if (payload.length != PAIRING_PAYLOAD_LENGTH || payload[0] != PAIRING_VERSION) {
			throw new Refusal("Noise: the pairing handshake of " + LogSafe.of(peer) + " carries no valid static keys",
					"malformed pairing payload");
		}
		byte[] x25519 = Arrays.copyOfRange(payload, 1, 33);
		byte[] p256 = Arrays.copyOfRange(payload, 33, PAIRING_PAYLOAD_LENGTH);
		try {
			X25519Dh.INSTANCE.decodePublicKey(x25519);
			P256Dh.INSTANCE.decodePublicKey(p256);
		}
		catch (NoiseProtocolException ex) {
			throw new Refusal("Noise: the pairing handshake of " + LogSafe.of(peer) + " carries an invalid key",
					"invalid static key in pairing payload");
		}
		return new byte[][] { x25519, p256 };
	}

	/**
	 * SHA-256 of the receive key: the same for every copy of one session; computed once
	 * per session object ({@link NoiseSession#authenticationId}), not per frame.
	 */
	private static ByteBuffer sessionId(NoiseSession session) {
		return session.authenticationId(PeerAuthenticator::hashOfReceiveKey);
	}

	private static ByteBuffer hashOfReceiveKey(NoiseSession session) {
		byte[] key = session.state().receiveKey();
		try {
			return ByteBuffer.wrap(Sha256Hash.INSTANCE.hash(SESSION_ID_LABEL, key)).asReadOnlyBuffer();
		}
		finally {
			Arrays.fill(key, (byte) 0);
		}
	}

	private static <K, V> Map<K, V> lru(int max) {
		return Collections.synchronizedMap(new LinkedHashMap<K, V>(16, 0.75f, true) {
			private static final long serialVersionUID = 1L;

			@Override
			protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
				return size() > max;
			}
		});
	}

}
