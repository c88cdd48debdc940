package dev.ipc.crypto.noise;

import java.util.Arrays;
import java.util.Objects;

import dev.ipc.crypto.noise.StaticKeys.Algorithm;
import dev.ipc.model.Endpoint;

/**
 * Who a peer proved to be: the static key its authenticated handshake used (a pinned
 * {@code KK} key, or the key it presented when pairing) and the pattern. Read it with
 * {@link NoiseCryptoProvider#peerIdentity(Endpoint)}; the {@code Source} of a message
 * stays Bitwarden's wire shape and does not carry it.
 *
 * @param endpoint the peer
 * @param pattern the handshake that authenticated it ({@code KK} or {@code NNpsk2})
 * @param algorithm the key's Diffie-Hellman function
 * @param publicKey the peer's static public key (Noise wire encoding)
 * @param fingerprint {@link StaticKeys#fingerprint(byte[])} of the key
 */
public record PeerIdentity(Endpoint endpoint, NoisePattern pattern, Algorithm algorithm, byte[] publicKey,
		String fingerprint) {

	/** Copies the key. */
	public PeerIdentity {
		Objects.requireNonNull(endpoint, "endpoint");
		Objects.requireNonNull(pattern, "pattern");
		Objects.requireNonNull(algorithm, "algorithm");
		publicKey = publicKey.clone();
		Objects.requireNonNull(fingerprint, "fingerprint");
	}

	/** A copy of the key. */
	@Override
	public byte[] publicKey() {
		return publicKey.clone();
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof PeerIdentity that && endpoint.equals(that.endpoint) && pattern == that.pattern
				&& algorithm == that.algorithm && Arrays.equals(publicKey, that.publicKey);
	}

	@Override
	public int hashCode() {
		return Objects.hash(endpoint, pattern, algorithm, Arrays.hashCode(publicKey));
	}

	@Override
	public String toString() {
		return "PeerIdentity[" + endpoint + " " + pattern + " " + algorithm.noiseName() + " " + fingerprint + "]";
	}

}
