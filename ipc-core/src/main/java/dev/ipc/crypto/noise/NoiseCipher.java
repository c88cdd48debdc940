package dev.ipc.crypto.noise;

import javax.crypto.AEADBadTagException;

/**
 * A Noise AEAD cipher with a 32-byte key, a 64-bit counter nonce (laid out by the cipher)
 * and a 16-byte tag appended to the ciphertext.
 */
interface NoiseCipher {

	/** Length of the authentication tag appended by {@link #encrypt}. */
	int TAG_LENGTH = 16;

	/** Returns {@code ciphertext || tag}. */
	byte[] encrypt(byte[] key, long nonce, byte[] ad, byte[] plaintext);

	/**
	 * Returns the plaintext of {@code ciphertext || tag}.
	 * @throws AEADBadTagException if the input is shorter than the tag or fails
	 * authentication
	 */
	byte[] decrypt(byte[] key, long nonce, byte[] ad, byte[] ciphertext) throws AEADBadTagException;

	/**
	 * A key object to use many times with {@link #encrypt(Object, long, byte[], byte[])}
	 * and {@link #decrypt(Object, long, byte[], byte[])}, made once per session instead
	 * of once per message. The default is a copy of the bytes.
	 */
	default Object prepare(byte[] key) {
		return key.clone();
	}

	/**
	 * {@link #encrypt(byte[], long, byte[], byte[])} with a {@linkplain #prepare
	 * prepared} key.
	 */
	default byte[] encrypt(Object preparedKey, long nonce, byte[] ad, byte[] plaintext) {
		return encrypt((byte[]) preparedKey, nonce, ad, plaintext);
	}

	/**
	 * {@link #decrypt(byte[], long, byte[], byte[])} with a {@linkplain #prepare
	 * prepared} key.
	 */
	/**
	 * Encrypts the plaintext {@code head[0, headLength) ‖ body[bodyOffset, +bodyLength)}
	 * into {@code out} at {@code outOffset} (ciphertext and tag, {@code headLength +
	 * bodyLength + TAG_LENGTH} bytes, which must fit); returns the bytes written. The
	 * default joins the parts and copies the result.
	 */
	default int encryptInto(Object preparedKey, long nonce, byte[] ad, byte[] head, int headLength, byte[] body,
			int bodyOffset, int bodyLength, byte[] out, int outOffset) {
		byte[] plaintext = new byte[headLength + bodyLength];
		System.arraycopy(head, 0, plaintext, 0, headLength);
		System.arraycopy(body, bodyOffset, plaintext, headLength, bodyLength);
		byte[] ciphertext = encrypt(preparedKey, nonce, ad, plaintext);
		System.arraycopy(ciphertext, 0, out, outOffset, ciphertext.length);
		return ciphertext.length;
	}

	default byte[] decrypt(Object preparedKey, long nonce, byte[] ad, byte[] ciphertext) throws AEADBadTagException {
		return decrypt((byte[]) preparedKey, nonce, ad, ciphertext);
	}

	/**
	 * {@link #decrypt(Object, long, byte[], byte[])} of the {@code length} bytes of
	 * {@code input} from {@code offset} (ciphertext and tag), read where they lie: the
	 * receive path decrypts straight from the received frame into the new plaintext
	 * array. The default copies the range first.
	 * @throws AEADBadTagException if the range is shorter than the tag or fails
	 * authentication
	 */
	default byte[] decrypt(Object preparedKey, long nonce, byte[] ad, byte[] input, int offset, int length)
			throws AEADBadTagException {
		return decrypt(preparedKey, nonce, ad, java.util.Arrays.copyOfRange(input, offset, offset + length));
	}

}
