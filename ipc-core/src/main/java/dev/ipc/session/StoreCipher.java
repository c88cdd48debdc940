package dev.ipc.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.security.crypto.encrypt.AesBytesEncryptor;
import org.springframework.security.crypto.encrypt.AesBytesEncryptor.CipherAlgorithm;
import org.springframework.security.crypto.keygen.KeyGenerators;

/**
 * The cryptography of a {@link FileSessionRepository} file.
 *
 * <ul>
 * <li>Store key: {@code PBKDF2WithHmacSHA256(secret, salt, iterations, 256 bits)},
 * derived once per repository instance (it is deliberately slow).</li>
 * <li>File key, one per write:
 * {@code HKDF-Expand-SHA256(PRK = store key, info = "dev.ipc.session-store/1 file key"
 * || fileNonce, L = 32)} (RFC 5869; a single HMAC block), where {@code fileNonce} is 32
 * fresh random bytes kept in the file header. A fresh key per write keeps AES-GCM far
 * below its limit of 2^32 random IVs per key even though a busy client writes the file
 * once per message.</li>
 * <li>Encryption: spring-security-crypto {@link AesBytesEncryptor} with
 * {@link CipherAlgorithm#GCM}, a random 12-byte IV and a 128-bit tag; output
 * {@code IV || ciphertext || tag}.</li>
 * </ul>
 *
 * <p>
 * Spring's {@code Encryptors.stronger(password, salt)} is not used because it derives its
 * key with PBKDF2-HMAC-SHA1 at 1,024 iterations and needs the password as an immutable
 * {@link String}; here the secret is copied into a {@code char[]} that is zeroed after
 * derivation.
 *
 * <p>
 * Only this class refers to spring-security-crypto, so that ipc-core works without it
 * unless a file store is used. Thread-safe.
 */
final class StoreCipher {

	static final String KDF_NAME = "PBKDF2WithHmacSHA256";

	static final int KEY_BYTES = 32;

	static final int SALT_BYTES = 32;

	static final int FILE_NONCE_BYTES = 32;

	static final int IV_BYTES = 12;

	static final int TAG_BYTES = 16;

	private static final byte[] FILE_KEY_INFO = "dev.ipc.session-store/1 file key".getBytes(StandardCharsets.US_ASCII);

	/** The PBKDF2 output, kept for the life of the repository. */
	private final byte[] storeKey;

	private StoreCipher(byte[] storeKey) {
		this.storeKey = storeKey;
	}

	/**
	 * Derives the store key from {@code secret}; the caller keeps ownership of (and
	 * zeroes) {@code secret}.
	 */
	static StoreCipher derive(char[] secret, byte[] salt, int iterations) {
		PBEKeySpec spec = new PBEKeySpec(secret, salt, iterations, KEY_BYTES * 8);
		try {
			byte[] key = SecretKeyFactory.getInstance(KDF_NAME).generateSecret(spec).getEncoded();
			return new StoreCipher(key);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("This JVM cannot derive keys with " + KDF_NAME, ex);
		}
		finally {
			spec.clearPassword();
		}
	}

	/**
	 * {@code IV || ciphertext || tag} of {@code plaintext} under the file key for
	 * {@code fileNonce}.
	 */
	byte[] encrypt(byte[] fileNonce, byte[] plaintext) {
		byte[] fileKey = fileKey(fileNonce);
		try {
			return encryptor(fileKey).encrypt(plaintext);
		}
		finally {
			Arrays.fill(fileKey, (byte) 0);
		}
	}

	/**
	 * The plaintext of {@code IV || ciphertext || tag}, owned by the caller.
	 * @throws IllegalStateException if authentication fails (wrong secret, damaged or
	 * modified file)
	 */
	byte[] decrypt(byte[] fileNonce, byte[] encrypted) {
		if (encrypted.length < IV_BYTES + TAG_BYTES) {
			throw new IllegalStateException("ciphertext too short");
		}
		byte[] fileKey = fileKey(fileNonce);
		try {
			return encryptor(fileKey).decrypt(encrypted);
		}
		finally {
			Arrays.fill(fileKey, (byte) 0);
		}
	}

	private static AesBytesEncryptor encryptor(byte[] fileKey) {
		// SecretKeySpec and AesBytesEncryptor copy the key; those copies die with the
		// encryptor.
		return new AesBytesEncryptor(new SecretKeySpec(fileKey, "AES"), KeyGenerators.secureRandom(IV_BYTES),
				CipherAlgorithm.GCM);
	}

	private byte[] fileKey(byte[] fileNonce) {
		if (fileNonce.length != FILE_NONCE_BYTES) {
			throw new IllegalArgumentException("file nonce must be " + FILE_NONCE_BYTES + " bytes");
		}
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(storeKey, "HmacSHA256"));
			mac.update(FILE_KEY_INFO);
			mac.update(fileNonce);
			mac.update((byte) 1);
			return mac.doFinal();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("This JVM cannot compute HmacSHA256", ex);
		}
	}

}
