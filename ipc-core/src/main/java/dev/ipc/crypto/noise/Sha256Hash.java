package dev.ipc.crypto.noise;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** SHA-256 and HmacSHA256 from the JDK. */
final class Sha256Hash implements NoiseHash {

	static final Sha256Hash INSTANCE = new Sha256Hash();

	private Sha256Hash() {
	}

	@Override
	public byte[] hash(byte[]... parts) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			for (byte[] part : parts) {
				digest.update(part);
			}
			return digest.digest();
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("SHA-256 is not available in this JDK", e);
		}
	}

	@Override
	public byte[] hmac(byte[] key, byte[]... parts) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			for (byte[] part : parts) {
				mac.update(part);
			}
			return mac.doFinal();
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
		}
	}

}
