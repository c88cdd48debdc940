package dev.ipc.crypto.noise;

/**
 * A Noise hash function with its HMAC; both produce {@link SymmetricState#HASH_LEN}
 * bytes.
 */
interface NoiseHash {

	/** {@code HASH(parts[0] || parts[1] || ...)}. */
	byte[] hash(byte[]... parts);

	/** {@code HMAC-HASH(key, parts[0] || parts[1] || ...)}. */
	byte[] hmac(byte[] key, byte[]... parts);

}
