package dev.ipc.bench.harness;

import java.util.Arrays;

/** A growable array of primitive longs (latency samples) without boxing. */
final class LongList {

	private long[] values = new long[1 << 16];

	private int size;

	void add(long value) {
		if (size == values.length) {
			values = Arrays.copyOf(values, size * 2);
		}
		values[size++] = value;
	}

	int size() {
		return size;
	}

	long[] toArray() {
		return Arrays.copyOf(values, size);
	}

}
