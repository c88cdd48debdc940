package dev.ipc.crypto.noise;

import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * BLAKE2s-256 and HMAC-BLAKE2s (64-byte block) from Bouncy Castle. Only loaded after
 * {@link NoiseSuite#isAvailable()} confirmed Bouncy Castle is on the classpath.
 */
final class Blake2sHash implements NoiseHash {

	static final Blake2sHash INSTANCE = new Blake2sHash();

	private Blake2sHash() {
	}

	@Override
	public byte[] hash(byte[]... parts) {
		Blake2sDigest digest = new Blake2sDigest();
		for (byte[] part : parts) {
			digest.update(part, 0, part.length);
		}
		byte[] out = new byte[digest.getDigestSize()];
		digest.doFinal(out, 0);
		return out;
	}

	@Override
	public byte[] hmac(byte[] key, byte[]... parts) {
		HMac mac = new HMac(new Blake2sDigest());
		mac.init(new KeyParameter(key));
		for (byte[] part : parts) {
			mac.update(part, 0, part.length);
		}
		byte[] out = new byte[mac.getMacSize()];
		mac.doFinal(out, 0);
		return out;
	}

}
