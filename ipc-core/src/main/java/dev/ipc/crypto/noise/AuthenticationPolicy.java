package dev.ipc.crypto.noise;

/**
 * What the Noise provider demands of one peer's handshakes.
 *
 * <ul>
 * <li>{@link #REQUIRED}: only authenticated handshakes: {@code KK} with the peer's pinned
 * key, or {@code NNpsk2} pairing with the configured pre-shared key. An unknown peer
 * without a pairing key, a plain {@code NN} handshake, or a session of unknown origin is
 * refused, never downgraded.</li>
 * <li>{@link #OPTIONAL}: authenticated when it can be (a known peer must use {@code KK};
 * pairing when a key is configured), plain {@code NN} with a peer that is not known.</li>
 * <li>{@link #NONE}: plain {@code NN}, exactly as Bitwarden's Noise provider; the only
 * policy a Bitwarden peer can satisfy.</li>
 * </ul>
 */
public enum AuthenticationPolicy {

	/** Authenticated handshakes only. */
	REQUIRED,

	/** Authenticated with known peers and when pairing, else plain NN. */
	OPTIONAL,

	/** Plain NN (Bitwarden's behaviour). */
	NONE

}
