package dev.ipc.internal.cbor;

/**
 * Reads CBOR items one at a time from a range of an array, for hand-written decoders that
 * read what they expect and skip what they do not know. Byte and text strings are handed
 * out as a <em>view</em> ({@link #viewArray()}, {@link #viewOffset()},
 * {@link #viewLength()}) into the input, not copied; only an indefinite-length string,
 * whose chunks must be joined, is copied into a new array. A view is valid as long as the
 * input array is: a caller whose input is a reused buffer must copy what it keeps.
 *
 * <p>
 * Bounded: every read checks the input's end; a container's declared count is checked
 * against what is left (each item takes at least a byte) before anyone loops on it;
 * {@link #skip()} nests at most {@code maxDepth} levels; tags are refused, or skipped
 * before any item with a chain of at most {@code maxDepth} of them. Each step consumes
 * input, so a decoder's work is linear in the input's size. Run {@link CborScan} first to
 * refuse malformed input as a whole (then a decoder only meets type errors).
 *
 * <p>
 * Every problem is a {@link CborException}. Not thread-safe; cheap to make (one per
 * decode).
 */
public final class CborReader {

	private final byte[] in;

	private final int end;

	private final boolean tags;

	private final int maxDepth;

	private int pos;

	private byte[] viewArray;

	private int viewOffset;

	private int viewLength;

	/**
	 * A reader of {@code length} bytes of {@code in} from {@code offset}.
	 * @param tags whether tags are skipped (else a tag is an error)
	 * @param maxDepth the deepest nesting {@link #skip()} accepts, and the longest chain
	 * of tags
	 */
	public CborReader(byte[] in, int offset, int length, boolean tags, int maxDepth) {
		if (offset < 0 || length < 0 || offset > in.length - length) {
			throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") of " + in.length);
		}
		this.in = in;
		this.pos = offset;
		this.end = offset + length;
		this.tags = tags;
		this.maxDepth = maxDepth;
		this.viewArray = in;
	}

	/** The position of the next item in the input array. */
	public int position() {
		return pos;
	}

	/** Moves back (or on) to {@code position}, which must lie within the input. */
	public void position(int position) {
		if (position < 0 || position > end) {
			throw new IndexOutOfBoundsException("position " + position);
		}
		this.pos = position;
	}

	/** The input array. */
	public byte[] input() {
		return in;
	}

	/** Fails unless every byte has been read. */
	public void expectEnd() throws CborException {
		if (pos != end) {
			throw new CborException("trailing bytes after the item");
		}
	}

	// ------------------------------------------------------------------ peeking

	/**
	 * The major type of the next item (0-7), after skipping tags if they are accepted;
	 * consumes nothing else.
	 */
	public int peekMajor() throws CborException {
		return peekInitial() >>> 5;
	}

	/** The first byte of the next item, after skipping tags if they are accepted. */
	public int peekInitial() throws CborException {
		int chain = 0;
		while (true) {
			if (pos >= end) {
				throw new CborException("truncated CBOR item");
			}
			int initial = in[pos] & 0xFF;
			if (initial >>> 5 != CborWriter.TAG) {
				return initial;
			}
			if (!tags) {
				throw new CborException("CBOR tags are not accepted");
			}
			if (++chain > maxDepth) {
				throw new CborException("nested deeper than " + maxDepth + " levels (the nesting limit)");
			}
			pos++;
			argument(initial & 0x1F);
		}
	}

	/** Whether the next item is {@code null} or {@code undefined} (not consumed). */
	public boolean peekNull() throws CborException {
		int initial = peekInitial();
		return initial == 0xF6 || initial == 0xF7;
	}

	/** Reads a {@code null} or {@code undefined}. */
	public void readNull() throws CborException {
		if (!peekNull()) {
			throw new CborException("expected null");
		}
		pos++;
	}

	// ------------------------------------------------------------------ containers

	/**
	 * Reads the head of a map ({@code major} {@link CborWriter#MAP}) or array
	 * ({@link CborWriter#ARRAY}).
	 * @return the declared count (of entries, for a map), or -1 for an indefinite length;
	 * pass it to {@link #hasNext(long)} and count it down
	 */
	public long readContainer(int major) throws CborException {
		int initial = peekInitial();
		if (initial >>> 5 != major) {
			throw new CborException("expected " + ((major == CborWriter.MAP) ? "a map" : "an array"));
		}
		pos++;
		if ((initial & 0x1F) == 31) {
			return -1;
		}
		long count = argument(initial & 0x1F);
		long minBytes = (major == CborWriter.MAP) ? 2 : 1;
		if (count < 0 || count > (end - pos) / minBytes) {
			throw new CborException("a container declares more items than the input holds");
		}
		return count;
	}

	/**
	 * Whether a container has another item: {@code left} is what {@link #readContainer}
	 * returned, counted down by one per item (a negative count is an indefinite length,
	 * whose break this consumes).
	 */
	public boolean hasNext(long left) throws CborException {
		if (left >= 0) {
			return left > 0;
		}
		if (pos >= end) {
			throw new CborException("truncated CBOR item");
		}
		if ((in[pos] & 0xFF) == 0xFF) {
			pos++;
			return false;
		}
		return true;
	}

	// ------------------------------------------------------------------ scalars

	/** Reads an unsigned integer (major type 0); the result is unsigned 64-bit. */
	public long readUnsigned() throws CborException {
		int initial = peekInitial();
		if (initial >>> 5 != CborWriter.UNSIGNED) {
			throw new CborException("expected an unsigned integer");
		}
		pos++;
		return argument(initial & 0x1F);
	}

	/**
	 * Reads an integer (major type 0 or 1).
	 * @throws CborException if it is not an integer or lies outside {@code long}
	 */
	public long readInteger() throws CborException {
		int initial = peekInitial();
		int major = initial >>> 5;
		if (major > CborWriter.NEGATIVE) {
			throw new CborException("expected an integer");
		}
		pos++;
		long arg = argument(initial & 0x1F);
		if (arg < 0) {
			throw new CborException("integer out of range");
		}
		return (major == CborWriter.UNSIGNED) ? arg : -1 - arg;
	}

	/** Reads a text string as a view (validated UTF-8). */
	public void readTextView() throws CborException {
		readString(CborWriter.TEXT);
		Utf8.check(viewArray, viewOffset, viewLength);
	}

	/** Reads a text string. */
	public String readText() throws CborException {
		readString(CborWriter.TEXT);
		return Utf8.decode(viewArray, viewOffset, viewLength);
	}

	/** Reads a byte string as a view. */
	public void readBytesView() throws CborException {
		readString(CborWriter.BYTES);
	}

	/**
	 * Reads a map key: the index among {@code names} (UTF-8 text) of the one it is, or -1
	 * for any other key, text or not (the caller then skips its value). No allocation.
	 */
	public int readKey(byte[]... names) throws CborException {
		if (peekMajor() != CborWriter.TEXT) {
			skip();
			return -1;
		}
		readTextView();
		for (int i = 0; i < names.length; i++) {
			if (viewEquals(names[i])) {
				return i;
			}
		}
		return -1;
	}

	/** Whether the view holds exactly {@code expected}. */
	public boolean viewEquals(byte[] expected) {
		return java.util.Arrays.equals(viewArray, viewOffset, viewOffset + viewLength, expected, 0, expected.length);
	}

	/**
	 * The array of the last string read: the input itself, or a new array for an
	 * indefinite-length string.
	 */
	public byte[] viewArray() {
		return viewArray;
	}

	/** Where the last string read starts in {@link #viewArray()}. */
	public int viewOffset() {
		return viewOffset;
	}

	/** The length in bytes of the last string read. */
	public int viewLength() {
		return viewLength;
	}

	/** A copy of the last string read. */
	public byte[] viewCopy() {
		return java.util.Arrays.copyOfRange(viewArray, viewOffset, viewOffset + viewLength);
	}

	private void readString(int major) throws CborException {
		int initial = peekInitial();
		if (initial >>> 5 != major) {
			throw new CborException((major == CborWriter.TEXT) ? "expected a text string" : "expected a byte string");
		}
		pos++;
		if ((initial & 0x1F) != 31) {
			int length = length(argument(initial & 0x1F));
			viewArray = in;
			viewOffset = pos;
			viewLength = length;
			pos += length;
			return;
		}
		// indefinite: measure the chunks, then join them
		int start = pos;
		int total = 0;
		while (true) {
			if (pos >= end) {
				throw new CborException("truncated CBOR item");
			}
			int chunk = in[pos++] & 0xFF;
			if (chunk == 0xFF) {
				break;
			}
			if (chunk >>> 5 != major || (chunk & 0x1F) == 31) {
				throw new CborException("bad chunk in an indefinite-length string");
			}
			int length = length(argument(chunk & 0x1F));
			pos += length;
			total += length;
		}
		byte[] joined = new byte[total];
		int at = 0;
		pos = start;
		while (true) {
			int chunk = in[pos++] & 0xFF;
			if (chunk == 0xFF) {
				break;
			}
			int length = (int) argument(chunk & 0x1F);
			System.arraycopy(in, pos, joined, at, length);
			pos += length;
			at += length;
		}
		viewArray = joined;
		viewOffset = 0;
		viewLength = total;
	}

	// ------------------------------------------------------------------ skipping

	/** Skips one item, whatever it is, nested at most {@code maxDepth} levels. */
	public void skip() throws CborException {
		skip(0);
	}

	private void skip(int depth) throws CborException {
		if (depth > maxDepth) {
			throw new CborException("nested deeper than " + maxDepth + " levels (the nesting limit)");
		}
		int initial = peekInitial();
		int major = initial >>> 5;
		int info = initial & 0x1F;
		switch (major) {
			case CborWriter.BYTES, CborWriter.TEXT -> readString(major);
			case CborWriter.ARRAY, CborWriter.MAP -> {
				long left = readContainer(major);
				int per = (major == CborWriter.MAP) ? 2 : 1;
				for (; hasNext(left); left--) {
					for (int i = 0; i < per; i++) {
						skip(depth + 1);
					}
				}
			}
			default -> {
				if (initial == 0xFF) {
					throw new CborException("unexpected CBOR break");
				}
				pos++;
				argument(info);
			}
		}
	}

	// ------------------------------------------------------------------ heads

	/**
	 * The argument of a head whose initial byte was just consumed (unsigned 64-bit; for
	 * simple values the value, for floats the bits).
	 */
	private long argument(int info) throws CborException {
		if (info < 24) {
			return info;
		}
		if (info > 27) {
			throw new CborException("reserved CBOR head");
		}
		int n = 1 << (info - 24);
		if (end - pos < n) {
			throw new CborException("truncated CBOR head");
		}
		long value = 0;
		for (int i = 0; i < n; i++) {
			value = (value << 8) | (in[pos++] & 0xFF);
		}
		return value;
	}

	private int length(long declared) throws CborException {
		if (declared < 0 || declared > end - pos) {
			throw new CborException("a string runs past the end of the input");
		}
		return (int) declared;
	}

}
