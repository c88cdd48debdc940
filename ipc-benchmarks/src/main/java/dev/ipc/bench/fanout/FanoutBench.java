package dev.ipc.bench.fanout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Fan-out benchmark ({@code java -jar ipc-benchmarks.jar fanout [SECONDS] [N,N,...]}):
 * one host process (routing only), one publisher and N subscriber processes over a Unix
 * socket, Noise encrypted, ~200-byte JSON events. For each N it runs {@code publish} and
 * then N addressed {@code send}s per event, each for SECONDS after a warm-up that lasts
 * until the JIT compilers of all processes have settled, with the publisher's window
 * bounded by the slowest subscriber's acknowledgements (nothing is dropped), and prints
 * total deliveries per second (events × N over the time until the last subscriber had
 * them all), CPU per delivery (all processes, host included) and the part of it spent by
 * JIT compiler threads, how often the publisher waited on its window, and the load
 * average before and after. Fails with an exception if a process does not start or a run
 * does not drain within a minute.
 */
public final class FanoutBench {

	/** Warm-up ends once the JIT compilers take less than this share of the CPU. */
	private static final double WARM_JIT_SHARE = 0.05;

	/** A measured run whose JIT share is above this is flagged as not steady. */
	private static final double NOT_WARM_JIT_SHARE = 0.10;

	private static final int WARM_ROUND_SECONDS = 2;

	private static final int WARM_MAX_ROUNDS = 40;

	private FanoutBench() {
	}

	/** A child JVM speaking {@link FanoutNode}'s line protocol. */
	private static final class Node implements AutoCloseable {

		final Process process;

		final BufferedReader out;

		final Writer in;

		Node(Path log, String... args) throws IOException {
			List<String> command = new ArrayList<>(
					List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
							"-Xmx256m", "-cp", System.getProperty("java.class.path"), FanoutNode.class.getName()));
			command.addAll(List.of(args));
			this.process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.start();
			this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
			this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
		}

		String call(String command) throws IOException {
			in.write(command + "\n");
			in.flush();
			String line = out.readLine();
			if (line == null) {
				throw new IOException("a benchmark process ended");
			}
			return line;
		}

		void awaitReady() throws IOException {
			String line = out.readLine();
			if (!"READY".equals(line)) {
				throw new IOException("a benchmark process did not start: " + line);
			}
		}

		@Override
		public void close() {
			process.destroyForcibly();
		}

	}

	public static void main(String[] args) throws Exception {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 5;
		List<Integer> sizes = new ArrayList<>();
		for (String n : ((args.length > 1) ? args[1] : "1,4,16").split(",")) {
			sizes.add(Integer.parseInt(n.trim()));
		}
		Path dir = Files.createTempDirectory("ipc-fanout");
		System.out.printf(Locale.ROOT, "fan-out, Noise, 200 B JSON events, %d s per run, load average %s%n", seconds,
				loadAverage());
		System.out.printf(Locale.ROOT, "%-12s %-8s %14s %14s %16s %12s %14s%n", "subscribers", "mode", "events/s",
				"deliveries/s", "CPU/delivery us", "of it JIT us", "waits/1k ev");
		for (int n : sizes) {
			runOne(dir, n, seconds);
		}
		System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
	}

	private static void runOne(Path dir, int subscribers, int seconds) throws Exception {
		Path socket = dir.resolve("fan-" + subscribers + ".sock");
		Path log = dir.resolve("fan-" + subscribers + ".log");
		List<Node> all = new ArrayList<>();
		try {
			Node host = new Node(log, "host", socket.toString());
			all.add(host);
			host.awaitReady();
			List<Node> subs = new ArrayList<>();
			for (int i = 0; i < subscribers; i++) {
				Node sub = new Node(log, "sub", socket.toString(), "fan-sub-" + i);
				all.add(sub);
				subs.add(sub);
			}
			Node pub = new Node(log, "pub", socket.toString());
			all.add(pub);
			for (Node node : all.subList(1, all.size())) {
				node.awaitReady();
			}
			long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
			while (Integer.parseInt(pub.call("subs")) < subscribers) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("the publisher never saw its " + subscribers + " subscribers");
				}
				Thread.sleep(50); // a benchmark driver polling a separate process
			}
			long[] expected = { 0 };
			warmUp(all, pub, subs, expected);
			for (String mode : List.of("publish", "send")) {
				double[] result = measure(all, pub, subs, mode, seconds, expected);
				System.out.printf(Locale.ROOT, "%-12d %-8s %14.0f %14.0f %16.2f %12.2f %14.1f%n", subscribers, mode,
						result[0] / subscribers, result[0], result[1] / 1e3, result[2] / 1e3, result[3]);
				if (result[2] > NOT_WARM_JIT_SHARE * result[1]) {
					// the compilers still ran: this run measured them, not the transport
					System.out.printf(Locale.ROOT, "%-12d %-8s not steady: JIT took %.0f %% of the CPU%n", subscribers,
							mode, 100 * result[2] / result[1]);
				}
			}
		}
		finally {
			for (Node node : all) {
				node.close();
			}
		}
	}

	/**
	 * Warms up both modes in rounds until the JIT compilers of all processes together
	 * take less than {@link #WARM_JIT_SHARE} of a round's CPU (every process compiles the
	 * same code, and a subscriber sees only 1/N of the events, so with many processes on
	 * few cores this takes far longer than a fixed few seconds), at most
	 * {@link #WARM_MAX_ROUNDS} rounds; prints how many it took.
	 */
	private static void warmUp(List<Node> all, Node pub, List<Node> subs, long[] expected) throws Exception {
		double share = 1;
		int round = 0;
		while (round < WARM_MAX_ROUNDS && share >= WARM_JIT_SHARE) {
			round++;
			long[] before = cpu(all);
			for (String mode : List.of("send", "publish")) {
				measure(all, pub, subs, mode, WARM_ROUND_SECONDS, expected);
			}
			long[] after = cpu(all);
			share = (double) (after[1] - before[1]) / Math.max(1, after[0] - before[0]);
		}
		System.out.printf(Locale.ROOT,
				"%-12d warm-up: %d rounds of %d s per mode, JIT %.1f %% of the last round's CPU%n", subs.size(), round,
				WARM_ROUND_SECONDS, share * 100);
	}

	/**
	 * [deliveries/s, CPU ns per delivery, of it JIT compiler ns, window waits per 1,000
	 * events]
	 */
	private static double[] measure(List<Node> all, Node pub, List<Node> subs, String mode, int seconds,
			long[] expected) throws Exception {
		long[] cpuBefore = cpu(all);
		long start = System.nanoTime();
		String[] answer = pub.call("run " + mode + " " + seconds * 1000L).split(" ");
		long sent = Long.parseLong(answer[0].substring("sent=".length()));
		long waits = Long.parseLong(answer[1].substring("waits=".length()));
		expected[0] += sent;
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
		for (Node sub : subs) {
			while (Long.parseLong(sub.call("count")) < expected[0]) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("a subscriber did not get all " + expected[0] + " events");
				}
				Thread.sleep(1);
			}
		}
		long elapsed = System.nanoTime() - start;
		long[] cpuAfter = cpu(all);
		double deliveries = (double) sent * subs.size();
		return new double[] { deliveries * 1e9 / elapsed, (cpuAfter[0] - cpuBefore[0]) / deliveries,
				(cpuAfter[1] - cpuBefore[1]) / deliveries, waits * 1000.0 / Math.max(1, sent) };
	}

	/** [process CPU ns, of it JIT compiler threads] over all processes. */
	private static long[] cpu(List<Node> all) throws IOException {
		long[] total = new long[2];
		for (Node node : all) {
			String[] answer = node.call("cpu").split(" ");
			total[0] += Long.parseLong(answer[0]);
			total[1] += Long.parseLong(answer[1]);
		}
		return total;
	}

	private static String loadAverage() {
		try {
			String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
			return parts[0] + " " + parts[1] + " " + parts[2];
		}
		catch (IOException ex) {
			return "unknown";
		}
	}

}
