package dev.ipc.crypto.noise;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;

/**
 * Authenticated peers for a {@link NoiseCryptoProvider}
 * ({@link NoiseCryptoProvider.Builder#authentication(PeerAuthentication)}): this
 * process's {@link StaticKeys}, the {@link KnownPeers} it trusts, the
 * {@link AuthenticationPolicy} per endpoint, and optionally a 32-byte pairing key.
 *
 * <p>
 * Toward a peer with policy {@link AuthenticationPolicy#NONE} the provider runs plain
 * {@code NN}, as today and as Bitwarden does. Otherwise it runs {@code KK} with a known
 * peer, {@code NNpsk2} pairing with an unknown one when a pairing key is configured (both
 * sides then store each other's keys and use {@code KK} afterwards), and refuses (policy
 * {@code REQUIRED}) or falls back to {@code NN} (policy {@code OPTIONAL}, unknown peers
 * only) otherwise. Without a provider-level authentication every peer is {@code NONE}.
 *
 * <p>
 * Immutable configuration; the pairing key is copied and never printed. Thread-safe.
 */
public final class PeerAuthentication {

	private final StaticKeys staticKeys;

	private final KnownPeers knownPeers;

	private final AuthenticationPolicy defaultPolicy;

	private final Map<Endpoint, AuthenticationPolicy> policies;

	private final @Nullable Function<Endpoint, @Nullable AuthenticationPolicy> resolver;

	private final byte @Nullable [] pairingKey;

	private final PairingListener listener;

	private final ShortAuthenticationString.Listener comparisons;

	private final PeerAuthenticator authenticator;

	private PeerAuthentication(Builder builder) {
		this.staticKeys = builder.staticKeys;
		this.knownPeers = builder.knownPeers;
		this.defaultPolicy = builder.defaultPolicy;
		this.policies = Map.copyOf(builder.policies);
		this.resolver = builder.resolver;
		this.pairingKey = builder.pairingKey == null ? null : builder.pairingKey.clone();
		this.listener = builder.listener;
		this.comparisons = builder.comparisons;
		this.authenticator = new PeerAuthenticator(this);
	}

	/** A builder around this process's static keys. */
	public static Builder builder(StaticKeys staticKeys) {
		return new Builder(staticKeys);
	}

	/** This process's static keys. */
	public StaticKeys staticKeys() {
		return staticKeys;
	}

	/** The peers this process trusts (add, list, revoke). */
	public KnownPeers knownPeers() {
		return knownPeers;
	}

	/**
	 * The policy for {@code peer}: an explicit one, else the resolver's, else the
	 * default.
	 */
	public AuthenticationPolicy policyFor(Endpoint peer) {
		AuthenticationPolicy explicit = policies.get(peer);
		if (explicit != null) {
			return explicit;
		}
		if (resolver != null) {
			AuthenticationPolicy resolved = resolver.apply(peer);
			if (resolved != null) {
				return resolved;
			}
		}
		return defaultPolicy;
	}

	/** The policy of peers with no explicit one. */
	public AuthenticationPolicy defaultPolicy() {
		return defaultPolicy;
	}

	/** Whether a pairing key is configured (the key itself is never exposed). */
	public boolean hasPairingKey() {
		return pairingKey != null;
	}

	/**
	 * The identity the last application message delivered from {@code peer} was
	 * authenticated with; empty if it came over a plain {@code NN} session or nothing
	 * came yet.
	 */
	public Optional<PeerIdentity> identityOf(Endpoint peer) {
		return authenticator.lastDelivered(peer);
	}

	byte @Nullable [] pairingKey() {
		return pairingKey;
	}

	PairingListener listener() {
		return listener;
	}

	ShortAuthenticationString.Listener comparisons() {
		return comparisons;
	}

	PeerAuthenticator authenticator() {
		return authenticator;
	}

	@Override
	public String toString() {
		return "PeerAuthentication[" + staticKeys + ", " + knownPeers + ", default " + defaultPolicy + ", pairing key "
				+ (pairingKey == null ? "none" : "configured") + "]";
	}

	/**
	 * Hook for the application: pairing outcomes (to show or log them). Called on the
	 * inbound path: must return quickly and never block.
	 */
	public interface PairingListener {

		/** Nothing. */
		PairingListener NONE = new PairingListener() {
		};

		/** {@code identity} was paired and stored in the known peers. */
		default void paired(PeerIdentity identity) {
		}

		/** A handshake with {@code peer} was refused; {@code reason} is safe to show. */
		default void refused(Endpoint peer, String reason) {
		}

	}

	/** Options of a {@link PeerAuthentication}. */
	public static final class Builder {

		private final StaticKeys staticKeys;

		private KnownPeers knownPeers = KnownPeers.inMemory();

		private AuthenticationPolicy defaultPolicy = AuthenticationPolicy.REQUIRED;

		private final Map<Endpoint, AuthenticationPolicy> policies = new LinkedHashMap<>();

		private @Nullable Function<Endpoint, @Nullable AuthenticationPolicy> resolver;

		private byte @Nullable [] pairingKey;

		private PairingListener listener = PairingListener.NONE;

		private ShortAuthenticationString.Listener comparisons = ShortAuthenticationString.Listener.NONE;

		private Builder(StaticKeys staticKeys) {
			this.staticKeys = Objects.requireNonNull(staticKeys, "staticKeys");
		}

		/** The trusted peers (default: an empty in-memory store). */
		public Builder knownPeers(KnownPeers knownPeers) {
			this.knownPeers = Objects.requireNonNull(knownPeers, "knownPeers");
			return this;
		}

		/** The policy of peers without an explicit one (default {@code REQUIRED}). */
		public Builder defaultPolicy(AuthenticationPolicy policy) {
			this.defaultPolicy = Objects.requireNonNull(policy, "policy");
			return this;
		}

		/** The policy for one endpoint. */
		public Builder policy(Endpoint peer, AuthenticationPolicy policy) {
			policies.put(Objects.requireNonNull(peer, "peer"), Objects.requireNonNull(policy, "policy"));
			return this;
		}

		/**
		 * A function choosing the policy of endpoints without an explicit one (e.g. by
		 * the transport they come from); returning {@code null} means the default.
		 */
		public Builder policyResolver(Function<Endpoint, @Nullable AuthenticationPolicy> resolver) {
			this.resolver = Objects.requireNonNull(resolver, "resolver");
			return this;
		}

		/**
		 * The 32-byte key shared with the peers to pair with ({@link PairingKeys});
		 * copied.
		 * @throws IllegalArgumentException if it is not 32 bytes or all zero
		 */
		public Builder pairingKey(byte[] key) {
			if (key.length != NoiseHandshake.PSK_LENGTH) {
				throw new IllegalArgumentException(
						"The pairing key must be " + NoiseHandshake.PSK_LENGTH + " bytes, got " + key.length);
			}
			byte[] zero = new byte[NoiseHandshake.PSK_LENGTH];
			if (Arrays.equals(key, zero)) {
				throw new IllegalArgumentException("The pairing key must not be all zero");
			}
			this.pairingKey = key.clone();
			return this;
		}

		/** The application's hook for pairing outcomes. */
		public Builder listener(PairingListener listener) {
			this.listener = Objects.requireNonNull(listener, "listener");
			return this;
		}

		/**
		 * Pairing without a pairing key, by a person comparing six digits: with peers
		 * whose policy is {@code optional} and that are not known, the first (plain NN)
		 * handshake carries both static public keys, and {@code listener} is asked to
		 * show the {@link ShortAuthenticationString} and confirm it. Default: none.
		 */
		public Builder shortAuthenticationStrings(ShortAuthenticationString.Listener listener) {
			this.comparisons = Objects.requireNonNull(listener, "listener");
			return this;
		}

		/** Builds the configuration. */
		public PeerAuthentication build() {
			return new PeerAuthentication(this);
		}

	}

}
