package dev.ipc.internal.cbor;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes CBOR the canonical way the protocols need it: definite lengths, the shortest
 * head for every argument, items in the order written. The bytes go into one array that
 * grows by doubling; {@link #reset()} makes a writer reusable (one per thread, say), and
 * {@link #skip(int)} reserves room (a length prefix, a ciphertext) to fill in later.
 *
 * <p>
 * Integer arguments are unsigned 64-bit values held in {@code long}s (a nonce may be
 * 2<sup>64</sup> - 1). Nothing here fails but for an array larger than the JVM allows.
 */
public final class CborWriter {

	/** Major type 0: an unsigned integer. */
	public static final int UNSIGNED = 0;

	/** Major type 1: a negative integer, -1 - argument. */
	public static final int NEGATIVE = 1;

	/** Major type 2: a byte string. */
	public static final int BYTES = 2;

	/** Major type 3: a UTF-8 text string. */
	public static final int TEXT = 3;

	/** Major type 4: an array. */
	public static final int ARRAY = 4;

	/** Major type 5: a map. */
	public static final int MAP = 5;

	/** Major type 6: a tag. */
	public static final int TAG = 6;

	/** Major type 7: simple values and floats. */
	public static final int SIMPLE = 7;

	/** The encoding of {@code null}. */
	public static final int NULL = 0xF6;

	private byte[] buf;

	private int pos;

	/** A writer whose array starts with {@code capacity} bytes. */
	public CborWriter(int capacity) {
		this.buf = new byte[Math.max(capacity, 1)];
	}

	/** The bytes a head with argument {@code value} takes (1, 2, 3, 5 or 9). */
	public static int headSize(long value) {
		if (Long.compareUnsigned(value, 24) < 0) {
			return 1;
		}
		if (Long.compareUnsigned(value, 0x100) < 0) {
			return 2;
		}
		if (Long.compareUnsigned(value, 0x1_0000) < 0) {
			return 3;
		}
		return (Long.compareUnsigned(value, 0x1_0000_0000L) < 0) ? 5 : 9;
	}

	/**
	 * Writes the shortest head of {@code major} with argument {@code value} at
	 * {@code pos} of {@code out}, which must have room ({@link #headSize}).
	 * @return the position after the head
	 */
	public static int putHead(byte[] out, int pos, int major, long value) {
		int size = headSize(value);
		int type = major << 5;
		if (size == 1) {
			out[pos] = (byte) (type | (int) value);
			return pos + 1;
		}
		out[pos] = (byte) (type | switch (size) {
			case 2 -> 24;
			case 3 -> 25;
			case 5 -> 26;
			default -> 27;
		});
		long v = value;
		for (int i = size - 1; i >= 1; i--) {
			out[pos + i] = (byte) v;
			v >>>= 8;
		}
		return pos + size;
	}

	private void ensure(int more) {
		if (more > buf.length - pos) {
			buf = Arrays.copyOf(buf, Math.max(pos + more, buf.length * 2));
		}
	}

	/** A head of {@code major} with the (unsigned) argument {@code value}. */
	public CborWriter head(int major, long value) {
		ensure(9);
		pos = putHead(buf, pos, major, value);
		return this;
	}

	/** A signed integer (major type 0 or 1). */
	public CborWriter integer(long value) {
		return (value >= 0) ? head(UNSIGNED, value) : head(NEGATIVE, -1 - value);
	}

	/** A text string. */
	public CborWriter text(String s) {
		int n = s.length();
		for (int i = 0; i < n; i++) {
			if (s.charAt(i) >= 0x80) {
				return text(s.getBytes(StandardCharsets.UTF_8));
			}
		}
		head(TEXT, n);
		ensure(n);
		for (int i = 0; i < n; i++) {
			buf[pos++] = (byte) s.charAt(i);
		}
		return this;
	}

	/** A text string from its UTF-8 bytes. */
	public CborWriter text(byte[] utf8) {
		head(TEXT, utf8.length);
		return raw(utf8, 0, utf8.length);
	}

	/** A byte string of {@code length} bytes of {@code bytes} from {@code offset}. */
	public CborWriter bytes(byte[] bytes, int offset, int length) {
		head(BYTES, length);
		return raw(bytes, offset, length);
	}

	/** An array of unsigned integers, one per byte (how serde writes a byte array). */
	public CborWriter uintArray(byte[] values) {
		head(ARRAY, values.length);
		ensure(2 * values.length);
		for (byte value : values) {
			pos = putHead(buf, pos, UNSIGNED, value & 0xFF);
		}
		return this;
	}

	/** {@code null}. */
	public CborWriter nul() {
		ensure(1);
		buf[pos++] = (byte) NULL;
		return this;
	}

	/** Bytes already encoded (a cached item, a key). */
	public CborWriter raw(byte[] bytes) {
		return raw(bytes, 0, bytes.length);
	}

	/** {@code length} bytes already encoded, from {@code offset}. */
	public CborWriter raw(byte[] bytes, int offset, int length) {
		ensure(length);
		System.arraycopy(bytes, offset, buf, pos, length);
		pos += length;
		return this;
	}

	/** Reserves {@code n} bytes (zero) to fill in later through {@link #array()}. */
	public CborWriter skip(int n) {
		ensure(n);
		pos += n;
		return this;
	}

	/**
	 * Writes {@code value} big-endian into the four bytes at {@code at} (a length
	 * prefix).
	 */
	public void putInt(int at, int value) {
		buf[at] = (byte) (value >>> 24);
		buf[at + 1] = (byte) (value >>> 16);
		buf[at + 2] = (byte) (value >>> 8);
		buf[at + 3] = (byte) value;
	}

	/** The bytes written so far. */
	public int position() {
		return pos;
	}

	/** The writer's array (valid up to {@link #position()}; replaced when it grows). */
	public byte[] array() {
		return buf;
	}

	/**
	 * The bytes written: the array itself when it is exactly full, else a copy of its
	 * written part.
	 */
	public byte[] toByteArray() {
		return (pos == buf.length) ? buf : Arrays.copyOf(buf, pos);
	}

	/** Forgets what was written, keeping the array. */
	public void reset() {
		pos = 0;
	}

}
