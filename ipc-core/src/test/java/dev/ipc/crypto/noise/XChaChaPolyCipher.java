package dev.ipc.crypto.noise;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.crypto.AEADBadTagException;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.XChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/** Test-only XChaCha20-Poly1305 with snow's nonce layout: 16 zero bytes then LE64(n). */
final class XChaChaPolyCipher implements NoiseCipher {

	@Override
	public byte[] encrypt(byte[] key, long nonce, byte[] ad, byte[] plaintext) {
		try {
			return run(true, key, nonce, ad, plaintext);
		}
		catch (InvalidCipherTextException e) {
			throw new IllegalStateException(e);
		}
	}

	@Override
	public byte[] decrypt(byte[] key, long nonce, byte[] ad, byte[] ciphertext) throws AEADBadTagException {
		try {
			return run(false, key, nonce, ad, ciphertext);
		}
		catch (InvalidCipherTextException e) {
			throw new AEADBadTagException(e.getMessage());
		}
	}

	private static byte[] run(boolean encrypt, byte[] key, long nonce, byte[] ad, byte[] input)
			throws InvalidCipherTextException {
		byte[] iv = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).position(16).putLong(nonce).array();
		XChaCha20Poly1305 aead = new XChaCha20Poly1305();
		aead.init(encrypt, new AEADParameters(new KeyParameter(key), 128, iv, ad));
		byte[] out = new byte[aead.getOutputSize(input.length)];
		int written = aead.processBytes(input, 0, input.length, out, 0);
		aead.doFinal(out, written);
		return out;
	}

}
