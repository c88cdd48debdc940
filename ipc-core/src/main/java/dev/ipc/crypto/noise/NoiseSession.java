package dev.ipc.crypto.noise;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The session {@link NoiseCryptoProvider} keeps per peer in a
 * {@link dev.ipc.spi.SessionRepository}: the reference's {@code NoiseCryptoProviderState
 * { state: PersistentTransportState }} (spec §4.13). {@link NoiseSessionCodec} maps it to
 * and from the reference's JSON shape.
 *
 * <p>
 * It may also carry the handshake hash of the handshake that produced it, for optional
 * out-of-band channel binding (spec §8 item 12). The hash is not part of the reference's
 * persisted shape, so a session read back from storage has none.
 *
 * <p>
 * Mutable and not thread-safe: the provider mutates it (nonces) under the peer's lock and
 * saves it back. A repository may hand out the stored instance itself (as
 * {@link dev.ipc.session.InMemorySessionRepository} does) or a copy. {@link #close()}
 * zeroes the keys; the provider closes sessions it has replaced or removed once they can
 * no longer be needed. {@link #toString()} never shows key material.
 */
public final class NoiseSession implements AutoCloseable {

	private final NoiseTransportState state;

	private final byte @Nullable [] handshakeHash;

	/**
	 * The largest message the peer accepts in fragments, negotiated in the handshake
	 * ({@link Features}); 0 when the peer does not take fragments (a Bitwarden peer, a
	 * session restored from an older format).
	 */
	private int fragmentLimit;

	/**
	 * The authenticator's id of this session (see {@link #authenticationId}), made on
	 * first use; copies share it.
	 */
	private volatile @Nullable ByteBuffer authenticationId;

	/**
	 * A session around {@code state} (taken over, not copied), without a handshake hash.
	 */
	public NoiseSession(NoiseTransportState state) {
		this(state, null);
	}

	/**
	 * A session around {@code state} (taken over, not copied) with the handshake hash
	 * that produced it (copied).
	 */
	public NoiseSession(NoiseTransportState state, byte @Nullable [] handshakeHash) {
		this.state = Objects.requireNonNull(state, "state");
		this.handshakeHash = handshakeHash == null ? null : handshakeHash.clone();
	}

	/** The transport state: keys, nonces and the handshake time. */
	public NoiseTransportState state() {
		return state;
	}

	/**
	 * A copy of the final Noise handshake hash {@code h} of the handshake that produced
	 * this session, identical on both peers of an unmodified handshake: compare it out of
	 * band to detect a man in the middle. Empty for a session decoded from storage.
	 */
	public Optional<byte[]> handshakeHash() {
		return handshakeHash == null || state.isDestroyed() ? Optional.empty() : Optional.of(handshakeHash.clone());
	}

	/** An independent deep copy (keys cloned). */
	public NoiseSession copy() {
		NoiseSession copy = new NoiseSession(state.copy(), handshakeHash);
		copy.fragmentLimit = fragmentLimit;
		copy.authenticationId = authenticationId;
		return copy;
	}

	/**
	 * The id the authenticator keys this session by, computed by {@code compute} the
	 * first time (a hash of the receive key, the same for every copy) and kept, so that
	 * the inbound path does not hash a key per frame. Read-only.
	 */
	ByteBuffer authenticationId(Function<NoiseSession, ByteBuffer> compute) {
		ByteBuffer id = authenticationId;
		if (id == null) {
			id = compute.apply(this);
			authenticationId = id;
		}
		return id;
	}

	/**
	 * The largest application payload the peer accepts as a fragmented message (agreed in
	 * the handshake between two Java peers), or 0 when every message must fit one
	 * transport frame ({@link NoiseTransportState#MAX_PLAINTEXT_LENGTH} bytes).
	 */
	public int fragmentLimit() {
		return fragmentLimit;
	}

	/** Sets what {@link #fragmentLimit()} returns (the handshake, the session codec). */
	NoiseSession fragmentLimit(int limit) {
		this.fragmentLimit = Math.max(0, limit);
		return this;
	}

	/** Whether {@link #close()} has been called. */
	public boolean isDestroyed() {
		return state.isDestroyed();
	}

	/** Zeroes the keys and the handshake hash. Idempotent. */
	@Override
	public void close() {
		state.close();
		if (handshakeHash != null) {
			Arrays.fill(handshakeHash, (byte) 0);
		}
	}

	@Override
	public String toString() {
		return "NoiseSession[state=" + state + (fragmentLimit > 0 ? ", fragmentLimit=" + fragmentLimit : "") + "]";
	}

}
