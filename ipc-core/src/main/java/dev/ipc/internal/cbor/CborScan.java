package dev.ipc.internal.cbor;

/**
 * Checks in one linear pass, without allocating, that a range of bytes is exactly one
 * well-formed CBOR item within bounds: nested at most {@code maxDepth} levels, every
 * declared length within what is left of the input (so no declared length makes anyone
 * allocate or loop past the input's size), no reserved heads, breaks only where an
 * indefinite length is open, chunks of indefinite strings of their string's type, text
 * strings valid UTF-8, nothing after the item. Tags are refused, or skipped with each tag
 * counted as one level of nesting (so a chain of tags is bounded too). The work is linear
 * in the input's length whatever it declares.
 *
 * <p>
 * A decoder that runs after this check still checks types and its own bounds, but it
 * cannot be made to do more work than the input's size.
 */
public final class CborScan {

	private static final int INDEFINITE_MAP = -2;

	/**
	 * The per-level state of {@link #check}, reused by each thread (16 levels: 288
	 * bytes).
	 */
	private static final ThreadLocal<long[]> STACKS = ThreadLocal.withInitial(() -> new long[2 * 18]);

	private CborScan() {
	}

	/**
	 * Checks {@code length} bytes of {@code b} from {@code offset}.
	 * @param maxDepth the deepest nesting of arrays, maps (and tags) accepted
	 * @param tags whether tags are accepted (else any tag fails the check)
	 * @throws CborException naming the first problem
	 */
	public static void check(byte[] b, int offset, int length, int maxDepth, boolean tags) throws CborException {
		int pos = offset;
		int end = offset + length;
		// Per open level: the items still expected (negative for an indefinite length:
		// -1 minus the items seen, until a break) and, for an indefinite string, the
		// major type its chunks must have (INDEFINITE_MAP for an indefinite map, whose
		// items must pair up; -1 otherwise). A tag is a level of one item. Level 0 is
		// the whole input.
		// Both live in one per-thread array (level i at 2i and 2i + 1): the scan runs on
		// every
		// frame, and allocates nothing.
		long[] st = STACKS.get();
		if (st.length < 2 * (maxDepth + 2)) {
			st = new long[2 * (maxDepth + 2)];
			STACKS.set(st);
		}
		int depth = 0;
		st[0] = 1;
		st[1] = -1;
		while (true) {
			if (st[2 * depth] == 0) {
				if (depth == 0) {
					break;
				}
				depth--;
				st[2 * depth]--;
				continue;
			}
			if (pos >= end) {
				throw new CborException("truncated CBOR item");
			}
			int initial = b[pos++] & 0xFF;
			if (initial == 0xFF) {
				if (depth == 0 || st[2 * depth] >= 0
						|| (st[2 * depth + 1] == INDEFINITE_MAP && (st[2 * depth] & 1) == 0)) {
					throw new CborException("unexpected CBOR break");
				}
				st[2 * depth] = 0;
				continue;
			}
			int major = initial >>> 5;
			int info = initial & 0x1F;
			if (st[2 * depth + 1] >= 0 && (major != st[2 * depth + 1] || info == 31)) {
				throw new CborException("bad chunk in an indefinite-length string");
			}
			long arg;
			boolean indefinite = false;
			if (info < 24) {
				arg = info;
			}
			else if (info <= 27) {
				int n = 1 << (info - 24);
				if (end - pos < n) {
					throw new CborException("truncated CBOR head");
				}
				arg = 0;
				for (int i = 0; i < n; i++) {
					arg = (arg << 8) | (b[pos++] & 0xFF);
				}
			}
			else if (info == 31 && major >= 2 && major <= 5) {
				arg = -1;
				indefinite = true;
			}
			else {
				throw new CborException("reserved CBOR head 0x" + Integer.toHexString(initial));
			}
			if (major == 6) {
				if (!tags) {
					throw new CborException("CBOR tags are not accepted");
				}
				depth = push(st, depth, 1, -1, maxDepth);
				continue;
			}
			if (major == 2 || major == 3) {
				if (indefinite) {
					depth = push(st, depth, -1, major, maxDepth);
					continue;
				}
				if (arg < 0 || arg > end - pos) {
					throw new CborException("a string runs past the end of the input");
				}
				if (major == 3) {
					Utf8.check(b, pos, (int) arg);
				}
				pos += (int) arg;
			}
			else if (major == 4 || major == 5) {
				if (indefinite) {
					depth = push(st, depth, -1, (major == 5) ? INDEFINITE_MAP : -1, maxDepth);
					continue;
				}
				// every item takes at least one byte
				long items = (major == 5) ? 2 * arg : arg;
				if (arg < 0 || items < 0 || items > end - pos) {
					throw new CborException("a container declares more items than the input holds");
				}
				if (items > 0) {
					depth = push(st, depth, items, -1, maxDepth);
					continue;
				}
			}
			st[2 * depth]--;
		}
		if (pos != end) {
			throw new CborException("trailing bytes after the item");
		}
	}

	private static int push(long[] st, int depth, long items, int chunkMajor, int maxDepth) throws CborException {
		if (depth + 1 > maxDepth) {
			throw new CborException("nested deeper than " + maxDepth + " levels (the nesting limit)");
		}
		st[2 * depth + 2] = items;
		st[2 * depth + 3] = chunkMajor;
		return depth + 1;
	}

}
