package dev.ipc.session;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * A growable in-memory output stream for secret data: unlike
 * {@link java.io.ByteArrayOutputStream} it overwrites its old array with zeros whenever
 * it grows, and {@link #wipe()} zeroes the current one.
 */
final class WipingBuffer extends OutputStream {

	private byte[] buf;

	private int count;

	WipingBuffer(int initialCapacity) {
		this.buf = new byte[Math.max(16, initialCapacity)];
	}

	@Override
	public void write(int b) {
		ensure(count + 1);
		buf[count++] = (byte) b;
	}

	@Override
	public void write(byte[] b, int off, int len) {
		Objects.checkFromIndexSize(off, len, b.length);
		ensure(count + len);
		System.arraycopy(b, off, buf, count, len);
		count += len;
	}

	private void ensure(int needed) {
		if (needed < 0) {
			throw new OutOfMemoryError("WipingBuffer larger than 2 GiB");
		}
		if (needed <= buf.length) {
			return;
		}
		int capacity = Math.max(needed, (buf.length <= Integer.MAX_VALUE / 2) ? buf.length * 2 : Integer.MAX_VALUE - 8);
		byte[] bigger = Arrays.copyOf(buf, capacity);
		Arrays.fill(buf, (byte) 0);
		buf = bigger;
	}

	/** A copy of the bytes written so far; the caller owns (and should wipe) it. */
	byte[] toByteArray() {
		return Arrays.copyOf(buf, count);
	}

	/** Overwrites the contents with zeros and empties the buffer. */
	void wipe() {
		Arrays.fill(buf, (byte) 0);
		count = 0;
	}

}
