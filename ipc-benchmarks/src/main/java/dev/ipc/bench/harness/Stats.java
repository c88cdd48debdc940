package dev.ipc.bench.harness;

import java.util.Arrays;
import java.util.List;

/**
 * Percentiles of raw samples and medians of trials; no histograms, just sorted arrays.
 */
final class Stats {

	private Stats() {
	}

	/** The {@code q}-quantile (0..1) of {@code sorted} by the nearest-rank method. */
	static long percentile(long[] sorted, double q) {
		if (sorted.length == 0) {
			return 0;
		}
		int rank = (int) Math.ceil(q * sorted.length);
		return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
	}

	static long[] sorted(long[] samples) {
		long[] copy = samples.clone();
		Arrays.sort(copy);
		return copy;
	}

	static double median(List<Double> values) {
		double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
		if (v.length == 0) {
			return Double.NaN;
		}
		return (v.length % 2 == 1) ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
	}

	static double min(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).min().orElse(Double.NaN);
	}

	static double max(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
	}

}
