package dev.ipc.client;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Where an RPC envelope is encoded: a growable buffer taken from a small shared pool, so
 * that encoding allocates only the exact-size result ({@link #result()}), not a buffer
 * that grows by copying and is then copied once more. {@link #result()} gives the buffer
 * back; one that is not given back (the encoding failed) is simply garbage. The pool
 * keeps at most {@link #POOL_SIZE} buffers of at most {@link #KEEP_AT_MOST} bytes, in no
 * thread's name, so virtual threads cost nothing extra. {@link #close()} does nothing:
 * the generator closes its target when it is closed, before the result is taken.
 */
final class EnvelopeOutput extends OutputStream {

	static final int POOL_SIZE = 8;

	private static final int INITIAL = 1024;

	/** A buffer that grew past this (a large envelope) is not kept. */
	static final int KEEP_AT_MOST = 16 * 1024;

	private static final AtomicReferenceArray<EnvelopeOutput> POOL = new AtomicReferenceArray<>(POOL_SIZE);

	private byte[] buffer = new byte[INITIAL];

	private int count;

	private EnvelopeOutput() {
	}

	/** An empty buffer, from the pool when it has one. */
	static EnvelopeOutput take() {
		for (int i = 0; i < POOL_SIZE; i++) {
			EnvelopeOutput pooled = POOL.getAndSet(i, null);
			if (pooled != null) {
				return pooled;
			}
		}
		return new EnvelopeOutput();
	}

	@Override
	public void write(int b) {
		ensureRoom(1);
		buffer[count++] = (byte) b;
	}

	@Override
	public void write(byte[] bytes, int offset, int length) {
		ensureRoom(length);
		System.arraycopy(bytes, offset, buffer, count, length);
		count += length;
	}

	private void ensureRoom(int more) {
		int needed = count + more;
		if (needed > buffer.length) {
			buffer = Arrays.copyOf(buffer, Math.max(needed, buffer.length * 2));
		}
	}

	/**
	 * What was written, in an array of its own; gives this buffer back (it must not be
	 * used after).
	 */
	byte[] result() {
		byte[] result = Arrays.copyOf(buffer, count);
		count = 0;
		if (buffer.length <= KEEP_AT_MOST) {
			for (int i = 0; i < POOL_SIZE; i++) {
				if (POOL.compareAndSet(i, null, this)) {
					break;
				}
			}
		}
		return result;
	}

	@Override
	public void close() {
		// the generator closes its target; the buffer goes back with result()
	}

}
