package dev.ipc.session;

import java.security.SecureRandom;

/**
 * The two small helpers both sealed formats ({@link FileSessionRepository},
 * {@link SealedFile}) need: fresh random bytes for salts and file nonces, and a secret
 * copied into a {@code char[]} the caller zeroes after use.
 */
final class StoreSecrets {

	private static final SecureRandom RANDOM = new SecureRandom();

	private StoreSecrets() {
	}

	/** {@code length} bytes from a {@link SecureRandom}. */
	static byte[] random(int length) {
		byte[] bytes = new byte[length];
		RANDOM.nextBytes(bytes);
		return bytes;
	}

	/** A copy of {@code secret}; the caller zeroes it when done. */
	static char[] toChars(CharSequence secret) {
		char[] chars = new char[secret.length()];
		for (int i = 0; i < chars.length; i++) {
			chars[i] = secret.charAt(i);
		}
		return chars;
	}

}
