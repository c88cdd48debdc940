package dev.ipc.crypto.noise;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;
import org.bouncycastle.crypto.ec.CustomNamedCurves;

/**
 * Fixed ephemeral key pairs from private keys, with the public key derived independently
 * of the main code.
 */
final class TestKeys {

	private TestKeys() {
	}

	static Dh.KeyPair x25519(byte[] scalar) throws GeneralSecurityException {
		PrivateKey privateKey = KeyFactory.getInstance("XDH")
			.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
		KeyAgreement agreement = KeyAgreement.getInstance("XDH");
		agreement.init(privateKey);
		agreement.doPhase(KeyFactory.getInstance("XDH")
			.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9))), true);
		return new Dh.KeyPair(privateKey, agreement.generateSecret());
	}

	static Dh.KeyPair p256(byte[] scalar) throws GeneralSecurityException {
		BigInteger d = new BigInteger(1, scalar);
		AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
		parameters.init(new ECGenParameterSpec("secp256r1"));
		PrivateKey privateKey = KeyFactory.getInstance("EC")
			.generatePrivate(new ECPrivateKeySpec(d, parameters.getParameterSpec(ECParameterSpec.class)));
		return new Dh.KeyPair(privateKey, p256Public(d));
	}

	static byte[] p256Public(BigInteger d) {
		return CustomNamedCurves.getByName("secp256r1").getG().multiply(d).normalize().getEncoded(false);
	}

}
