package dev.ipc.crypto.noise;

import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.function.Function;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** The two Noise ciphers the JDK provides, with their nonce layouts. */
final class JdkAead implements NoiseCipher {

	/** AES-256-GCM, nonce {@code 00000000 || BE64(n)}. */
	static final JdkAead AES_GCM = new JdkAead("AES/GCM/NoPadding", "AES", ByteOrder.BIG_ENDIAN,
			nonce -> new GCMParameterSpec(TAG_LENGTH * 8, nonce));

	/** ChaCha20-Poly1305, nonce {@code 00000000 || LE64(n)}. */
	static final JdkAead CHACHA_POLY = new JdkAead("ChaCha20-Poly1305", "ChaCha20", ByteOrder.LITTLE_ENDIAN,
			IvParameterSpec::new);

	private final String transformation;

	private final String keyAlgorithm;

	private final ByteOrder counterOrder;

	private final Function<byte[], AlgorithmParameterSpec> parameters;

	/**
	 * One {@link Cipher} per thread, algorithm and direction, re-initialised for every
	 * message: looking a cipher up in the providers and constructing it cost more than
	 * the AEAD work on small messages, and the JDK skips the AES key schedule when a
	 * cipher is re-initialised with the key it had (one per direction, so a thread that
	 * decrypts a request and encrypts the reply keeps both schedules). The cached cipher
	 * holds the last key's schedule until its next initialisation, as a cipher per
	 * session would until it is collected.
	 */
	private final ThreadLocal<Cipher> encryptors;

	private final ThreadLocal<Cipher> decryptors;

	private JdkAead(String transformation, String keyAlgorithm, ByteOrder counterOrder,
			Function<byte[], AlgorithmParameterSpec> parameters) {
		this.transformation = transformation;
		this.keyAlgorithm = keyAlgorithm;
		this.counterOrder = counterOrder;
		this.parameters = parameters;
		this.encryptors = ThreadLocal.withInitial(this::newCipher);
		this.decryptors = ThreadLocal.withInitial(this::newCipher);
	}

	private Cipher newCipher() {
		try {
			return Cipher.getInstance(transformation);
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException(transformation + " is not available", e);
		}
	}

	/**
	 * One {@link SecretKeySpec} per session key (the JDK copies the bytes into it; it is
	 * dropped with the session).
	 */
	@Override
	public Object prepare(byte[] key) {
		return new SecretKeySpec(key, keyAlgorithm);
	}

	@Override
	public byte[] encrypt(byte[] key, long nonce, byte[] ad, byte[] plaintext) {
		return encrypt(prepare(key), nonce, ad, plaintext);
	}

	@Override
	public byte[] decrypt(byte[] key, long nonce, byte[] ad, byte[] ciphertext) throws AEADBadTagException {
		return decrypt(prepare(key), nonce, ad, ciphertext);
	}

	@Override
	public byte[] encrypt(Object key, long nonce, byte[] ad, byte[] plaintext) {
		try {
			return init(Cipher.ENCRYPT_MODE, (SecretKeySpec) key, nonce, ad).doFinal(plaintext);
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException(transformation + " encryption failed", e);
		}
	}

	/** One pass of the cipher over both parts, straight into {@code out}. */
	@Override
	public int encryptInto(Object key, long nonce, byte[] ad, byte[] head, int headLength, byte[] body, int bodyOffset,
			int bodyLength, byte[] out, int outOffset) {
		try {
			Cipher cipher = init(Cipher.ENCRYPT_MODE, (SecretKeySpec) key, nonce, ad);
			int written = cipher.update(head, 0, headLength, out, outOffset);
			return written + cipher.doFinal(body, bodyOffset, bodyLength, out, outOffset + written);
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException(transformation + " encryption failed", e);
		}
	}

	@Override
	public byte[] decrypt(Object key, long nonce, byte[] ad, byte[] ciphertext) throws AEADBadTagException {
		return decrypt(key, nonce, ad, ciphertext, 0, ciphertext.length);
	}

	/**
	 * One pass of the cipher over the range, into a new array of the plaintext's size.
	 */
	@Override
	public byte[] decrypt(Object key, long nonce, byte[] ad, byte[] input, int offset, int length)
			throws AEADBadTagException {
		if (length < TAG_LENGTH) {
			throw new AEADBadTagException("ciphertext shorter than the authentication tag");
		}
		try {
			return init(Cipher.DECRYPT_MODE, (SecretKeySpec) key, nonce, ad).doFinal(input, offset, length);
		}
		catch (AEADBadTagException e) {
			throw e;
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException(transformation + " decryption failed", e);
		}
	}

	private Cipher init(int mode, SecretKeySpec keySpec, long nonce, byte[] ad) throws GeneralSecurityException {
		byte[] iv = new byte[12]; // copied by the parameter spec
		if (counterOrder == ByteOrder.BIG_ENDIAN) {
			for (int i = 0; i < 8; i++) {
				iv[4 + i] = (byte) (nonce >>> (56 - 8 * i));
			}
		}
		else {
			for (int i = 0; i < 8; i++) {
				iv[4 + i] = (byte) (nonce >>> (8 * i));
			}
		}
		ThreadLocal<Cipher> ciphers = (mode == Cipher.ENCRYPT_MODE) ? encryptors : decryptors;
		Cipher cipher = ciphers.get();
		try {
			cipher.init(mode, keySpec, parameters.apply(iv));
		}
		catch (java.security.InvalidAlgorithmParameterException | java.security.InvalidKeyException e) {
			// the JDK refuses the key and nonce of the previous initialisation on one
			// cipher object (GCM when
			// encrypting, ChaCha20-Poly1305 always; only fixed test vectors repeat them);
			// a fresh cipher has no such
			// memory, and a key that is really invalid fails again below
			cipher = Cipher.getInstance(transformation);
			ciphers.set(cipher);
			cipher.init(mode, keySpec, parameters.apply(iv));
		}
		cipher.updateAAD(ad);
		return cipher;
	}

	@Override
	public String toString() {
		return transformation;
	}

}
