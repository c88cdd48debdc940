package dev.ipc.crypto.noise;

import java.security.PrivateKey;
import java.security.PublicKey;

/** A Noise Diffie-Hellman function: key generation, public-key encoding and agreement. */
interface Dh {

	/**
	 * Length of an encoded public key on the wire ({@code DHLEN} for 25519, 65 for
	 * uncompressed P-256).
	 */
	int publicKeyLength();

	/** A fresh ephemeral key pair from the platform's {@code SecureRandom}. */
	KeyPair generateKeyPair();

	/**
	 * Decodes and validates a peer's public key.
	 * @throws NoiseProtocolException if the encoding has the wrong length or is not a
	 * valid key
	 */
	PublicKey decodePublicKey(byte[] encoded) throws NoiseProtocolException;

	/**
	 * {@code DH(privateKey, publicKey)}: 32 bytes.
	 * @throws NoiseProtocolException if the agreement is rejected (e.g. a small-order
	 * X25519 point)
	 */
	byte[] agree(PrivateKey privateKey, PublicKey publicKey) throws NoiseProtocolException;

	/** A key pair with its public key already in wire encoding. */
	record KeyPair(PrivateKey privateKey, byte[] publicKey) {
	}

}
