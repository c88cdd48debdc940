package dev.ipc.bench.harness;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

import dev.ipc.bench.Payloads;
import dev.ipc.bench.harness.Harness.SystemSpec;

/**
 * Renders the harness results as Markdown: environment, the main table, targets, scale
 * run.
 */
final class Report {

	private final Harness harness;

	private final List<SystemSpec> systems;

	private final Map<String, String> environment;

	private final Map<String, String> scale;

	private final StringBuilder out = new StringBuilder();

	Report(Harness harness, List<SystemSpec> systems, Map<String, String> environment, Map<String, String> scale) {
		this.harness = harness;
		this.systems = systems;
		this.environment = environment;
		this.scale = scale;
	}

	String render() {
		out.append("## Cross-process results\n\n");
		environment.forEach((k, v) -> out.append("- **").append(k).append("**: ").append(v).append('\n'));
		out.append('\n');
		out.append("Each cell: median over the trials (min–max). Ratios compare medians: "
				+ "**N/raw** = ours with Noise ÷ raw JDK UDS, **N/gRPC** = ours with Noise ÷ gRPC over UDS "
				+ "(for latencies lower is better, for rates higher is better).\n\n");
		out.append("| metric | payload |");
		for (SystemSpec s : systems) {
			out.append(' ').append(s.label()).append(" |");
		}
		out.append(" N/raw | N/gRPC |\n|---|---|");
		out.append("---:|".repeat(systems.size() + 2)).append('\n');
		for (int size : Payloads.SIZES) {
			row("RPC round trip p50, 1 in flight (µs)", size, "rtt.p50." + size, v -> v / 1e3, 1);
		}
		for (int size : Payloads.SIZES) {
			row("RPC round trip p99 (µs)", size, "rtt.p99." + size, v -> v / 1e3, 1);
		}
		for (int size : Payloads.SIZES) {
			row("RPC round trip p99.9 (µs)", size, "rtt.p999." + size, v -> v / 1e3, 1);
		}
		for (int size : Payloads.SIZES) {
			row("RPC calls/s, " + Harness.INFLIGHT + " in flight (k)", size, "tput." + size, v -> v / 1e3, 1);
		}
		for (int size : Payloads.SIZES) {
			row("one-way messages/s (k)", size, "oneway." + size, v -> v / 1e3, 1);
		}
		for (int size : Payloads.SIZES) {
			row("one-way MiB/s (payload bytes)", size, "oneway." + size, v -> v * size / (1024.0 * 1024.0), 1);
		}
		for (int size : Payloads.SIZES) {
			row("CPU per RPC, 1 in flight, both JVMs (µs)", size, "rtt.cpu." + size, v -> v / 1e3, 1);
		}
		for (int size : Payloads.SIZES) {
			row("CPU per RPC, 32 in flight, both JVMs (µs)", size, "tput.cpu." + size, v -> v / 1e3, 1);
		}
		for (int size : Payloads.SIZES) {
			row("voluntary context switches (thread wake-ups) per RPC, 1 in flight, both JVMs", size, "rtt.vcs." + size,
					v -> v, 2);
		}
		for (int size : Payloads.SIZES) {
			row("all context switches per RPC, 1 in flight, both JVMs", size, "rtt.cs." + size, v -> v, 2);
		}
		for (int size : Payloads.SIZES) {
			row("read/write-type syscalls per RPC, 1 in flight, both JVMs", size, "rtt.rw." + size, v -> v, 2);
		}
		for (int size : Payloads.SIZES) {
			row("CPU per one-way message, both JVMs (µs)", size, "oneway.cpu." + size, v -> v / 1e3, 2);
		}
		row("connect + handshake + first RPC, p50 (ms)", 200, "connect", v -> v / 1e6, 3);
		row("connect + first RPC with a surviving session (no handshake), p50 (ms)", 200, "connect.surviving",
				v -> v / 1e6, 3);
		row("Noise NN handshake CPU, in-process, both sides, default suite X25519 (ms)", 0, "handshake", v -> v / 1e6,
				3);
		row("Noise NN handshake CPU, in-process, both sides, P-256 (ms)", 0, "handshake.p256", v -> v / 1e6, 3);
		out.append('\n');
		for (Map.Entry<String, String> note : harness.notes.entrySet()) {
			out.append("- ").append(note.getKey()).append(": ").append(note.getValue()).append('\n');
		}
		targets();
		if (!scale.isEmpty()) {
			out.append("\n### Scale: one host, N peers (ours, Noise, Unix socket)\n\n");
			scale.forEach((k, v) -> {
				if (k.startsWith("|")) {
					out.append(k).append('\n');
				}
				else {
					out.append("\n- **").append(k).append("**: ").append(v).append('\n');
				}
			});
		}
		return out.toString();
	}

	private void row(String metric, int size, String key, DoubleUnaryOperator unit, int decimals) {
		boolean any = systems.stream().anyMatch(s -> !harness.values(s.id(), key).isEmpty());
		if (!any) {
			return;
		}
		out.append("| ").append(metric).append(" | ").append(size == 0 ? "—" : Payloads.label(size)).append(" |");
		for (SystemSpec s : systems) {
			List<Double> v = harness.values(s.id(), key);
			if (v.isEmpty() || Double.isNaN(Stats.median(v))) {
				out.append(" — |");
			}
			else {
				out.append(' ')
					.append(fmt(unit.applyAsDouble(Stats.median(v)), decimals))
					.append(" (")
					.append(fmt(unit.applyAsDouble(Stats.min(v)), decimals))
					.append('–')
					.append(fmt(unit.applyAsDouble(Stats.max(v)), decimals))
					.append(") |");
			}
		}
		out.append(' ').append(ratio("ipc-noise", "raw-uds", key)).append(" |");
		out.append(' ').append(ratio("ipc-noise", "grpc-uds", key)).append(" |\n");
	}

	private String ratio(String a, String b, String key) {
		double r = median(a, key) / median(b, key);
		return Double.isNaN(r) || Double.isInfinite(r) ? "—" : String.format(Locale.ROOT, "%.2f×", r);
	}

	private double median(String system, String key) {
		List<Double> v = harness.values(system, key);
		return v.isEmpty() ? Double.NaN : Stats.median(v);
	}

	private void targets() {
		out.append("\n### Targets (same run)\n\n| target | measured | met |\n|---|---|---|\n");
		target("encrypted RPC p50 ≤ 1.3× raw p50 (200 B)",
				median("ipc-noise", "rtt.p50.200") / median("raw-uds", "rtt.p50.200"), 1.3, true, "×");
		target("stretch: encrypted RPC p50 ≤ 1.2× raw p50 (200 B)",
				median("ipc-noise", "rtt.p50.200") / median("raw-uds", "rtt.p50.200"), 1.2, true, "×");
		target("call() p50 ≤ 1.3× raw p50 (200 B)",
				median("ipc-noise-call", "rtt.p50.200") / median("raw-uds", "rtt.p50.200"), 1.3, true, "×");
		target("call() p99 ≤ 2× raw p99 (200 B)",
				median("ipc-noise-call", "rtt.p99.200") / median("raw-uds", "rtt.p99.200"), 2.0, true, "×");
		target("call() with spin p50 ≤ 1.1× raw p50 (200 B)",
				median("ipc-noise-call-spin", "rtt.p50.200") / median("raw-uds", "rtt.p50.200"), 1.1, true, "×");
		target("future-API RPC p50 ≤ 0.5× gRPC UDS p50 (200 B)",
				median("ipc-noise", "rtt.p50.200") / median("grpc-uds", "rtt.p50.200"), 0.5, true, "×");
		target("encrypted RPC p50 ≥ 2.5× faster than gRPC UDS (200 B)",
				median("grpc-uds", "rtt.p50.200") / median("ipc-noise", "rtt.p50.200"), 2.5, false, "× faster");
		target("encrypted RPC p99 ≤ 2× raw p99 (200 B)",
				median("ipc-noise", "rtt.p99.200") / median("raw-uds", "rtt.p99.200"), 2.0, true, "×");
		target("encrypted RPC, 32 in flight ≥ 3× gRPC UDS calls/s (200 B)",
				median("ipc-noise", "tput.200") / median("grpc-uds", "tput.200"), 3.0, false, "×");
		target("encrypted pub/sub 200 B ≥ 250k msgs/s", median("ipc-noise", "oneway.200") / 1e3, 250, false,
				"k msgs/s");
		target("encrypted one-way 60 KiB payloads ≥ 800 MiB/s",
				median("ipc-noise", "oneway.61440") * 61440 / (1024.0 * 1024.0), 800, false, " MiB/s");
		target("in-memory RPC p50 ≤ 10 µs (200 B)", median("ipc-inmem", "rtt.p50.200") / 1e3, 10, true, " µs");
		target("connect + handshake + first RPC ≤ 1.5× handshake CPU (X25519)",
				median("ipc-noise", "connect") / median("ipc-noise", "handshake"), 1.5, true, "×");
	}

	private void target(String name, double value, double limit, boolean atMost, String unit) {
		out.append("| ").append(name).append(" | ");
		if (Double.isNaN(value) || Double.isInfinite(value)) {
			out.append("not measured | — |\n");
			return;
		}
		boolean met = atMost ? value <= limit : value >= limit;
		out.append(fmt(value, 2)).append(unit).append(" | ").append(met ? "yes" : "**no**").append(" |\n");
	}

	static String fmt(double v, int decimals) {
		return String.format(Locale.ROOT, "%." + decimals + "f", v);
	}

}
