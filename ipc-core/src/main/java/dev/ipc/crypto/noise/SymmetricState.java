package dev.ipc.crypto.noise;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import org.jspecify.annotations.Nullable;

/**
 * Noise {@code SymmetricState} (with its embedded {@code CipherState}), revision 34
 * §5.1–§5.2.
 */
final class SymmetricState {

	/** {@code HASHLEN} of both supported hashes, and the cipher key length. */
	static final int HASH_LEN = 32;

	private static final byte[] EMPTY = new byte[0];

	private final NoiseCipher cipher;

	private final NoiseHash hash;

	private byte[] ck;

	private byte[] h;

	private byte @Nullable [] k;

	private long n;

	/**
	 * {@code InitializeSymmetric(protocolName)}: the name padded to HASHLEN when it fits,
	 * else hashed.
	 */
	SymmetricState(NoisePrimitives primitives) {
		this.cipher = primitives.cipher();
		this.hash = primitives.hash();
		byte[] name = primitives.protocolName().getBytes(StandardCharsets.US_ASCII);
		this.h = name.length <= HASH_LEN ? Arrays.copyOf(name, HASH_LEN) : hash.hash(name);
		this.ck = h.clone();
	}

	private SymmetricState(SymmetricState other) {
		this.cipher = other.cipher;
		this.hash = other.hash;
		this.ck = other.ck.clone();
		this.h = other.h.clone();
		this.k = other.k == null ? null : other.k.clone();
		this.n = other.n;
	}

	/**
	 * An independent copy (all secrets cloned), so a speculative step can be tried
	 * without touching this one.
	 */
	SymmetricState copy() {
		return new SymmetricState(this);
	}

	void mixHash(byte[] data) {
		h = hash.hash(h, data);
	}

	void mixKey(byte[] inputKeyMaterial) {
		byte[][] output = hkdf(inputKeyMaterial);
		Arrays.fill(ck, (byte) 0);
		if (k != null) {
			Arrays.fill(k, (byte) 0);
		}
		ck = output[0];
		k = output[1];
		n = 0;
	}

	/**
	 * {@code MixKeyAndHash(psk)}: {@code ck, temp_h, temp_k = HKDF(ck, psk, 3)}, then
	 * {@code MixHash(temp_h)} and the cipher key {@code temp_k} with {@code n = 0}.
	 */
	void mixKeyAndHash(byte[] inputKeyMaterial) {
		byte[] temp = hash.hmac(ck, inputKeyMaterial);
		byte[] first = hash.hmac(temp, new byte[] { 1 });
		byte[] second = hash.hmac(temp, first, new byte[] { 2 });
		byte[] third = hash.hmac(temp, second, new byte[] { 3 });
		Arrays.fill(temp, (byte) 0);
		Arrays.fill(ck, (byte) 0);
		ck = first;
		mixHash(second);
		Arrays.fill(second, (byte) 0);
		if (k != null) {
			Arrays.fill(k, (byte) 0);
		}
		k = third;
		n = 0;
	}

	/** Whether a cipher key exists yet (so payloads and static keys are encrypted). */
	boolean hasKey() {
		return k != null;
	}

	byte[] encryptAndHash(byte[] plaintext) {
		byte[] ciphertext = k == null ? plaintext.clone() : cipher.encrypt(k, n++, h, plaintext);
		mixHash(ciphertext);
		return ciphertext;
	}

	byte[] decryptAndHash(byte[] ciphertext) throws NoiseProtocolException {
		byte[] plaintext;
		if (k == null) {
			plaintext = ciphertext.clone();
		}
		else {
			try {
				plaintext = cipher.decrypt(k, n, h, ciphertext);
			}
			catch (AEADBadTagException e) {
				throw new NoiseAuthenticationException("handshake message failed authentication");
			}
			n++;
		}
		mixHash(ciphertext);
		return plaintext;
	}

	/**
	 * {@code Split()}: the raw initiator-to-responder and responder-to-initiator keys.
	 */
	byte[][] split() {
		return hkdf(EMPTY);
	}

	byte[] handshakeHash() {
		return h.clone();
	}

	void destroy() {
		Arrays.fill(ck, (byte) 0);
		Arrays.fill(h, (byte) 0);
		if (k != null) {
			Arrays.fill(k, (byte) 0);
		}
	}

	/**
	 * Noise {@code HKDF(ck, ikm, 2)}:
	 * {@code t = HMAC(ck, ikm); o1 = HMAC(t, 0x01); o2 = HMAC(t, o1 || 0x02)}.
	 */
	private byte[][] hkdf(byte[] inputKeyMaterial) {
		byte[] temp = hash.hmac(ck, inputKeyMaterial);
		byte[] first = hash.hmac(temp, new byte[] { 1 });
		byte[] second = hash.hmac(temp, first, new byte[] { 2 });
		Arrays.fill(temp, (byte) 0);
		return new byte[][] { first, second };
	}

}
