package dev.ipc.crypto.noise;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * X25519 (RFC 7748) through the JDK's {@code XDH}; public keys are 32-byte little-endian
 * u-coordinates.
 */
final class X25519Dh implements Dh {

	static final X25519Dh INSTANCE = new X25519Dh();

	private static final int KEY_LENGTH = 32;

	private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

	private X25519Dh() {
	}

	@Override
	public int publicKeyLength() {
		return KEY_LENGTH;
	}

	@Override
	public KeyPair generateKeyPair() {
		try {
			java.security.KeyPair pair = KeyPairGenerator.getInstance("X25519").generateKeyPair();
			return new KeyPair(pair.getPrivate(), encodeU(((XECPublicKey) pair.getPublic()).getU()));
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("X25519 is not available in this JDK", e);
		}
	}

	@Override
	public PublicKey decodePublicKey(byte[] encoded) throws NoiseProtocolException {
		if (encoded.length != KEY_LENGTH) {
			throw new NoiseProtocolException("X25519 public key must be 32 bytes, got " + encoded.length);
		}
		byte[] bigEndian = new byte[KEY_LENGTH];
		for (int i = 0; i < KEY_LENGTH; i++) {
			bigEndian[i] = encoded[KEY_LENGTH - 1 - i];
		}
		bigEndian[0] &= 0x7f; // RFC 7748 §5: ignore the most significant bit
		BigInteger u = new BigInteger(1, bigEndian).mod(P);
		try {
			return KeyFactory.getInstance("XDH").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
		}
		catch (GeneralSecurityException e) {
			throw new NoiseProtocolException("invalid X25519 public key", e);
		}
	}

	@Override
	public byte[] agree(PrivateKey privateKey, PublicKey publicKey) throws NoiseProtocolException {
		try {
			KeyAgreement agreement = KeyAgreement.getInstance("XDH");
			agreement.init(privateKey);
			agreement.doPhase(publicKey, true);
			return agreement.generateSecret();
		}
		catch (GeneralSecurityException e) {
			throw new NoiseProtocolException("X25519 agreement rejected the peer key", e);
		}
	}

	static byte[] encodeU(BigInteger u) {
		byte[] bigEndian = u.toByteArray();
		byte[] out = new byte[KEY_LENGTH];
		for (int i = 0; i < KEY_LENGTH && i < bigEndian.length; i++) {
			out[i] = bigEndian[bigEndian.length - 1 - i];
		}
		return out;
	}

	@Override
	public String toString() {
		return "25519";
	}

}
