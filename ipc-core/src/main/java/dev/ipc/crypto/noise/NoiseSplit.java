package dev.ipc.crypto.noise;

import java.util.Arrays;

/**
 * The two 32-byte transport keys a completed handshake derives ({@code Split()}):
 * {@link #i2r()} encrypts initiator-to-responder traffic, {@link #r2i()}
 * responder-to-initiator traffic.
 *
 * <p>
 * Owns its key material: {@link #close()} zeroes it, after which the accessors throw
 * {@link IllegalStateException}. {@link #toString()} never shows the keys.
 */
public final class NoiseSplit implements AutoCloseable {

	private final byte[] i2r;

	private final byte[] r2i;

	private boolean destroyed;

	NoiseSplit(byte[] i2r, byte[] r2i) {
		this.i2r = i2r;
		this.r2i = r2i;
	}

	/** A copy of the initiator-to-responder key. */
	public byte[] i2r() {
		checkLive();
		return i2r.clone();
	}

	/** A copy of the responder-to-initiator key. */
	public byte[] r2i() {
		checkLive();
		return r2i.clone();
	}

	/** Zeroes both keys. Idempotent. */
	@Override
	public void close() {
		Arrays.fill(i2r, (byte) 0);
		Arrays.fill(r2i, (byte) 0);
		destroyed = true;
	}

	private void checkLive() {
		if (destroyed) {
			throw new IllegalStateException("NoiseSplit has been closed");
		}
	}

	@Override
	public String toString() {
		return destroyed ? "NoiseSplit[destroyed]" : "NoiseSplit[i2r=<redacted>, r2i=<redacted>]";
	}

}
