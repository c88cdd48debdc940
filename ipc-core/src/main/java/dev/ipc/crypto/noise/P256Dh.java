package dev.ipc.crypto.noise;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * ECDH on NIST P-256 ({@code secp256r1}) through the JDK, with snow's conventions: public
 * keys are 65-byte uncompressed SEC1 points {@code 04 || X || Y}, the DH output is the
 * 32-byte big-endian x-coordinate.
 */
final class P256Dh implements Dh {

	static final P256Dh INSTANCE = new P256Dh();

	private static final int COORDINATE_LENGTH = 32;

	private static final int KEY_LENGTH = 1 + 2 * COORDINATE_LENGTH;

	private static final ECParameterSpec PARAMS = loadParams();

	private P256Dh() {
	}

	@Override
	public int publicKeyLength() {
		return KEY_LENGTH;
	}

	@Override
	public KeyPair generateKeyPair() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"));
			java.security.KeyPair pair = generator.generateKeyPair();
			return new KeyPair(pair.getPrivate(), encode(((ECPublicKey) pair.getPublic()).getW()));
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("P-256 is not available in this JDK", e);
		}
	}

	@Override
	public PublicKey decodePublicKey(byte[] encoded) throws NoiseProtocolException {
		if (encoded.length != KEY_LENGTH || encoded[0] != 0x04) {
			throw new NoiseProtocolException("P-256 public key must be a 65-byte uncompressed SEC1 point");
		}
		BigInteger x = new BigInteger(1, Arrays.copyOfRange(encoded, 1, 1 + COORDINATE_LENGTH));
		BigInteger y = new BigInteger(1, Arrays.copyOfRange(encoded, 1 + COORDINATE_LENGTH, KEY_LENGTH));
		if (!isOnCurve(x, y)) {
			throw new NoiseProtocolException("P-256 public key is not a point on the curve");
		}
		try {
			return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), PARAMS));
		}
		catch (GeneralSecurityException e) {
			throw new NoiseProtocolException("invalid P-256 public key", e);
		}
	}

	@Override
	public byte[] agree(PrivateKey privateKey, PublicKey publicKey) throws NoiseProtocolException {
		try {
			KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
			agreement.init(privateKey);
			agreement.doPhase(publicKey, true);
			return agreement.generateSecret();
		}
		catch (GeneralSecurityException e) {
			throw new NoiseProtocolException("P-256 agreement rejected the peer key", e);
		}
	}

	static byte[] encode(ECPoint w) {
		byte[] out = new byte[KEY_LENGTH];
		out[0] = 0x04;
		writeCoordinate(w.getAffineX(), out, 1);
		writeCoordinate(w.getAffineY(), out, 1 + COORDINATE_LENGTH);
		return out;
	}

	private static void writeCoordinate(BigInteger value, byte[] out, int offset) {
		byte[] raw = value.toByteArray(); // big-endian, possibly with a leading sign byte
		int length = Math.min(raw.length, COORDINATE_LENGTH);
		System.arraycopy(raw, raw.length - length, out, offset + COORDINATE_LENGTH - length, length);
	}

	/** Checks {@code 0 <= x, y < p} and {@code y^2 = x^3 + a*x + b (mod p)}. */
	private static boolean isOnCurve(BigInteger x, BigInteger y) {
		BigInteger p = ((ECFieldFp) PARAMS.getCurve().getField()).getP();
		if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
			return false;
		}
		BigInteger rhs = x.pow(3).add(PARAMS.getCurve().getA().multiply(x)).add(PARAMS.getCurve().getB()).mod(p);
		return y.modPow(BigInteger.TWO, p).equals(rhs);
	}

	private static ECParameterSpec loadParams() {
		try {
			AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
			parameters.init(new ECGenParameterSpec("secp256r1"));
			return parameters.getParameterSpec(ECParameterSpec.class);
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("P-256 (secp256r1) is not available in this JDK", e);
		}
	}

	@Override
	public String toString() {
		return "P256";
	}

}
