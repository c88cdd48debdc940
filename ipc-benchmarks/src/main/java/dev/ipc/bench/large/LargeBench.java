package dev.ipc.bench.large;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Large-message throughput (issue 11), {@code java -jar ipc-benchmarks.jar large
 * [--seconds S] [--warmup S] [--systems raw-uds,ours-noise,grpc-uds] [--out FILE]}: for
 * 64 KiB, 1 MiB and 16 MiB payloads, one-way MiB/s (a window of unacknowledged messages,
 * each acknowledged by the receiver) and RPC echo calls/s with one call in flight (MiB/s
 * of request payload; the same comes back), for our client with Noise, the raw JDK Unix
 * socket and gRPC (up to its 4 MiB default limit). Each system's server is a forked JVM
 * ({@code -Xmx2g}); the client runs in this JVM. Then the memory of one 16 MiB message
 * ({@link MemoryProbe}). Prints a Markdown report with the load average before and after.
 */
public final class LargeBench {

	/** Largest message our side allows here: a 16 MiB RPC body is ~21.4 MiB of JSON. */
	static final int MAX_MESSAGE = 32 * 1024 * 1024;

	/** Largest payload measured. */
	static final int MAX = 16 * 1024 * 1024;

	static final int[] SIZES = { 64 * 1024, 1024 * 1024, 16 * 1024 * 1024 };

	/** One system under test, client side. */
	interface System extends AutoCloseable {

		/** Messages sent (all acknowledged) in {@code nanos}; -1 when not supported. */
		long oneWay(byte[] payload, int window, long nanos) throws Exception;

		void rpc(byte[] payload) throws Exception;

	}

	private LargeBench() {
	}

	static void ready() {
		java.lang.System.out.println("READY");
		java.lang.System.out.flush();
	}

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("server")) {
			serve(args[1], Path.of(args[2]));
			return;
		}
		double seconds = 3;
		double warmup = 2;
		List<String> systems = List.of("raw-uds", "ours-noise", "grpc-uds");
		Path out = null;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--seconds" -> seconds = Double.parseDouble(args[++i]);
				case "--warmup" -> warmup = Double.parseDouble(args[++i]);
				case "--systems" -> systems = Arrays.asList(args[++i].split(","));
				case "--out" -> out = Path.of(args[++i]);
				default -> throw new IllegalArgumentException("unknown option " + args[i]);
			}
		}
		StringBuilder report = new StringBuilder();
		report.append("## Large messages\n\n")
			.append(String.format(Locale.ROOT, "%d cores, Java %s, load average before: %s%n%n",
					Runtime.getRuntime().availableProcessors(), java.lang.System.getProperty("java.version"),
					loadAverage()))
			.append("| system | payload | one-way MiB/s | RPC calls/s (1 in flight) | RPC MiB/s each way | RPC p50 ms |\n")
			.append("|---|---|---|---|---|---|\n");
		for (String system : systems) {
			runSystem(system, seconds, warmup, report);
		}
		report.append(String.format(Locale.ROOT, "%nload average after: %s%n%n", loadAverage()));
		MemoryProbe.Result memory = MemoryProbe.measure(MAX);
		report.append("Memory of one 16 MiB message (Noise, as multiples of its size): held on the receiver while ")
			.append(String.format(Locale.ROOT,
					"in reassembly %.2f; allocated per message: sender %.2f, receiver %.2f"
							+ " (transient: one frame's buffers at a time); delivered intact: %s%n",
					memory.retainedInFlight(), memory.senderAllocated(), memory.receiverAllocated(),
					memory.delivered()));
		java.lang.System.out.print(report);
		if (out != null) {
			Files.writeString(out, report);
		}
	}

	private static void runSystem(String system, double seconds, double warmup, StringBuilder report) throws Exception {
		Path dir = Files.createTempDirectory("ipc-large-bench");
		Path socket = dir.resolve("large.sock");
		Process server = fork(system, socket);
		try {
			awaitReady(server);
			try (System client = switch (system) {
				case "raw-uds" -> new RawLarge.Client(socket);
				case "ours-noise" -> new OursLarge.Client(socket);
				case "grpc-uds" -> new GrpcLarge.Client(socket);
				default -> throw new IllegalArgumentException("unknown system " + system);
			}) {
				for (int size : SIZES) {
					if (system.equals("grpc-uds") && size > GrpcLarge.LIMIT) {
						report.append(row(system, size, "—", "— (over gRPC's 4 MiB default)", "—", "—"));
						continue;
					}
					byte[] payload = new byte[size];
					new java.util.SplittableRandom(size).nextBytes(payload);
					int window = Math.max(2, MAX / size);
					long warm = (long) (warmup * 1e9 / 2);
					client.oneWay(payload, window, warm);
					measureRpc(client, payload, warm);
					long nanos = (long) (seconds * 1e9);
					long start = java.lang.System.nanoTime();
					long sent = client.oneWay(payload, window, nanos);
					double elapsed = (java.lang.System.nanoTime() - start) / 1e9;
					String oneWay = sent < 0 ? "—" : format(sent * (double) size / elapsed / (1 << 20));
					long[] calls = measureRpc(client, payload, nanos);
					double callSeconds = Arrays.stream(calls).sum() / 1e9;
					Arrays.sort(calls);
					report.append(row(system, size, oneWay, format(calls.length / callSeconds),
							format(calls.length * (double) size / callSeconds / (1 << 20)),
							String.format(Locale.ROOT, "%.2f", calls[calls.length / 2] / 1e6)));
				}
			}
		}
		finally {
			server.getOutputStream().close();
			server.destroy();
			server.waitFor(10, TimeUnit.SECONDS);
			try (var files = Files.walk(dir)) {
				files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
			}
		}
	}

	private static long[] measureRpc(System client, byte[] payload, long nanos) throws Exception {
		List<Long> samples = new ArrayList<>();
		long end = java.lang.System.nanoTime() + nanos;
		long now;
		do {
			long start = java.lang.System.nanoTime();
			client.rpc(payload);
			now = java.lang.System.nanoTime();
			samples.add(now - start);
		}
		while (now < end || samples.size() < 3);
		return samples.stream().mapToLong(Long::longValue).toArray();
	}

	private static String row(String system, int size, String oneWay, String calls, String mib, String p50) {
		return "| " + system + " | " + label(size) + " | " + oneWay + " | " + calls + " | " + mib + " | " + p50
				+ " |\n";
	}

	private static String label(int size) {
		return size >= (1 << 20) ? (size >> 20) + " MiB" : (size >> 10) + " KiB";
	}

	private static String format(double value) {
		return value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.1f", value);
	}

	private static String loadAverage() {
		try {
			return Files.readString(Path.of("/proc/loadavg")).trim();
		}
		catch (IOException ex) {
			return "unknown";
		}
	}

	private static Process fork(String system, Path socket) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(java.lang.System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(
				List.of("-Xms256m", "-Xmx2g", "-XX:+UseG1GC", "-cp", java.lang.System.getProperty("java.class.path"),
						LargeBench.class.getName(), "server", system, socket.toString()));
		return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
	}

	private static void awaitReady(Process server) throws IOException {
		BufferedReader reader = new BufferedReader(
				new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
		for (String line = reader.readLine(); line != null; line = reader.readLine()) {
			if (line.equals("READY")) {
				return;
			}
		}
		throw new IllegalStateException("the server exited before it was ready");
	}

	private static void serve(String system, Path socket) throws Exception {
		Thread watcher = new Thread(() -> {
			try {
				while (java.lang.System.in.read() >= 0) {
					// nothing is sent to servers
				}
			}
			catch (IOException ex) {
				// closed
			}
			Runtime.getRuntime().halt(0);
		}, "stdin-watcher");
		watcher.setDaemon(true);
		watcher.start();
		switch (system) {
			case "raw-uds" -> RawLarge.serve(socket);
			case "ours-noise" -> OursLarge.serve(socket);
			case "grpc-uds" -> GrpcLarge.serve(socket);
			default -> throw new IllegalArgumentException("unknown system " + system);
		}
	}

}
