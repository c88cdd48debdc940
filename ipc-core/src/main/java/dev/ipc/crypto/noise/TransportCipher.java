package dev.ipc.crypto.noise;

/**
 * The AEAD cipher a {@link NoiseTransportState} encrypts with, named as the reference
 * serializes it ({@code transport_cipher}). Both take 32-byte keys, 96-bit nonces
 * {@code 00000000 || counter} and append a 16-byte tag; only the counter's byte order
 * differs.
 */
public enum TransportCipher {

	/** AES-256-GCM; counter big-endian. Serde name {@code "Aes256Gcm"}. */
	AES256_GCM("Aes256Gcm", JdkAead.AES_GCM),

	/**
	 * ChaCha20-Poly1305 (RFC 8439); counter little-endian. Serde name
	 * {@code "ChaCha20Poly1305"}.
	 */
	CHACHA20_POLY1305("ChaCha20Poly1305", JdkAead.CHACHA_POLY);

	private final String wireName;

	private final NoiseCipher aead;

	TransportCipher(String wireName, NoiseCipher aead) {
		this.wireName = wireName;
		this.aead = aead;
	}

	/** The name the reference uses in its persisted state. */
	public String wireName() {
		return wireName;
	}

	/**
	 * Looks a cipher up by its serde name.
	 * @throws IllegalArgumentException if the name is not one of {@code "Aes256Gcm"},
	 * {@code "ChaCha20Poly1305"}
	 */
	public static TransportCipher fromWireName(String wireName) {
		for (TransportCipher cipher : values()) {
			if (cipher.wireName.equals(wireName)) {
				return cipher;
			}
		}
		throw new IllegalArgumentException("unknown transport cipher (expected Aes256Gcm or ChaCha20Poly1305)");
	}

	NoiseCipher aead() {
		return aead;
	}

}
