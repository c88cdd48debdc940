package dev.ipc.bench.harness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.ipc.bench.Payloads;

/**
 * The cross-process harness: forks a server JVM and a client JVM per system, warms every
 * system up, then runs interleaved trials (each measurement cycles through the systems in
 * an order that rotates every trial) and prints a Markdown table of medians with min–max
 * over the trials, also written to {@code results/latest.md}.
 *
 * <pre>
 * java -jar ipc-benchmarks/target/ipc-benchmarks.jar harness [--quick] [--trials N] [--seconds S]
 *      [--warmup S] [--systems a,b,...] [--no-scale] [--out FILE]
 * </pre>
 */
public final class Harness {

	record SystemSpec(String id, String label, boolean server, boolean oneWay, boolean connect) {
	}

	static final List<SystemSpec> ALL = List.of(new SystemSpec("raw-uds", "raw JDK UDS", true, true, true),
			new SystemSpec("ipc-plain", "ours UDS plain", true, true, true),
			new SystemSpec("ipc-noise", "ours UDS Noise", true, true, true),
			new SystemSpec("grpc-uds", "gRPC UDS", true, false, true),
			new SystemSpec("grpc-tcp", "gRPC TCP", true, false, true),
			new SystemSpec("ipc-inmem", "ours in-memory", false, true, false),
			new SystemSpec("ipc-noise-call", "ours UDS Noise call()", true, false, false),
			new SystemSpec("ipc-noise-call-spin", "ours call() + 100 µs spin", true, false, false),
			new SystemSpec("ipc-noise-p2p", "ours peer→host→peer call()", true, false, false));

	static final int INFLIGHT = 32;

	private final Options options;

	private final Path logDir;

	private final Path workDir;

	/** system → metric → one value per trial. */
	final Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();

	final Map<String, String> notes = new LinkedHashMap<>();

	private Harness(Options options) throws IOException {
		this.options = options;
		this.logDir = Files.createDirectories(Path.of("ipc-benchmarks", "target", "harness-logs"));
		this.workDir = Files.createTempDirectory("ipc-bench-");
	}

	static final class Options {

		boolean quick;

		int trials = 5;

		double seconds = 2;

		double warmupSeconds = 20;

		int connects = 20;

		boolean scale = true;

		List<String> systems = new ArrayList<>();

		/** Extra options for every child JVM, e.g. a flight recording. */
		List<String> childJvm = List.of();

		Path out = Path.of("ipc-benchmarks", "results", "latest.md");

		static Options parse(String[] args) {
			Options o = new Options();
			for (int i = 0; i < args.length; i++) {
				switch (args[i]) {
					case "--quick" -> {
						o.quick = true;
						o.trials = 1;
						o.seconds = 0.5;
						o.warmupSeconds = 3;
						o.connects = 5;
					}
					case "--trials" -> o.trials = Integer.parseInt(args[++i]);
					case "--seconds" -> o.seconds = Double.parseDouble(args[++i]);
					case "--warmup" -> o.warmupSeconds = Double.parseDouble(args[++i]);
					case "--connects" -> o.connects = Integer.parseInt(args[++i]);
					case "--systems" -> o.systems = List.of(args[++i].split(","));
					case "--no-scale" -> o.scale = false;
					case "--out" -> o.out = Path.of(args[++i]);
					case "--child-jvm" -> o.childJvm = List.of(args[++i].split(" "));
					default -> throw new IllegalArgumentException("unknown option " + args[i]);
				}
			}
			return o;
		}

	}

	public static void main(String[] args) throws Exception {
		Options options = Options.parse(args);
		new Harness(options).run();
	}

	private static final List<String> BASE_JVM = List.of("-Xms256m", "-Xmx1g", "-XX:+UseG1GC");

	private List<String> jvm() {
		List<String> all = new ArrayList<>(BASE_JVM);
		all.addAll(options.childJvm);
		return all;
	}

	private void run() throws Exception {
		long started = System.nanoTime();
		String loadBefore = loadAverage();
		List<SystemSpec> systems = new ArrayList<>();
		for (SystemSpec spec : ALL) {
			if (options.systems.isEmpty() || options.systems.contains(spec.id())) {
				systems.add(spec);
			}
		}
		Map<String, Child[]> pairs = new LinkedHashMap<>();
		try {
			for (SystemSpec spec : systems) {
				try {
					pairs.put(spec.id(), startPair(spec));
					log("started " + spec.id());
				}
				catch (Exception ex) {
					log("skipping " + spec.id() + ": " + ex.getMessage());
					notes.put(spec.id(), "not run: " + ex.getMessage());
				}
			}
			long warmMillis = (long) (options.warmupSeconds * 1000);
			for (Map.Entry<String, Child[]> pair : pairs.entrySet()) {
				log("warming up " + pair.getKey() + " for " + options.warmupSeconds + " s");
				pair.getValue()[1].call("warmup " + warmMillis, (long) options.warmupSeconds * 4 + 120);
			}
			List<String> order = new ArrayList<>(pairs.keySet());
			long millis = (long) (options.seconds * 1000);
			for (int trial = 0; trial < options.trials; trial++) {
				log("trial " + (trial + 1) + " of " + options.trials);
				List<String> rotated = new ArrayList<>(order);
				Collections.rotate(rotated, -trial);
				for (int size : Payloads.SIZES) {
					for (String id : rotated) {
						Child client = pairs.get(id)[1];
						long cpu = cpu(pairs.get(id));
						long[] switches = contextSwitches(pairs.get(id));
						long syscalls = syscalls(pairs.get(id));
						String r = client.call("rtt " + size + " " + millis, 120);
						double n = Child.value(r, "n");
						record(id, "rtt.cpu." + size, (cpu(pairs.get(id)) - cpu) / n);
						long[] after = contextSwitches(pairs.get(id));
						if (switches[0] >= 0 && after[0] >= 0) {
							record(id, "rtt.vcs." + size, (after[0] - switches[0]) / n);
							record(id, "rtt.cs." + size, (after[0] + after[1] - switches[0] - switches[1]) / n);
						}
						long syscallsAfter = syscalls(pairs.get(id));
						if (syscalls >= 0 && syscallsAfter >= 0) {
							record(id, "rtt.rw." + size, (syscallsAfter - syscalls) / n);
						}
						record(id, "rtt.p50." + size, Child.value(r, "p50"));
						record(id, "rtt.p99." + size, Child.value(r, "p99"));
						record(id, "rtt.p999." + size, Child.value(r, "p999"));
					}
					for (String id : rotated) {
						long cpu = cpu(pairs.get(id));
						String r = pairs.get(id)[1].call("tput " + size + " " + INFLIGHT + " " + millis, 120);
						record(id, "tput.cpu." + size, (cpu(pairs.get(id)) - cpu) / Child.value(r, "n"));
						record(id, "tput." + size, Child.value(r, "ops"));
					}
					for (String id : rotated) {
						if (spec(id).oneWay()) {
							long cpu = cpu(pairs.get(id));
							String r = pairs.get(id)[1].call("oneway " + size + " " + millis, 120);
							record(id, "oneway.cpu." + size, (cpu(pairs.get(id)) - cpu) / Child.value(r, "n"));
							record(id, "oneway." + size, Child.value(r, "msgs"));
						}
					}
				}
				for (String id : rotated) {
					if (spec(id).connect()) {
						String r = pairs.get(id)[1].call("connect " + options.connects, 300);
						record(id, "connect", Child.value(r, "p50"));
					}
				}
				for (String id : rotated) {
					if (spec(id).connect() && id.startsWith("ipc-")) {
						String r = pairs.get(id)[1].call("connect-surviving " + options.connects, 300);
						record(id, "connect.surviving", Child.value(r, "p50"));
					}
				}
				for (String id : rotated) {
					if (id.equals("ipc-noise")) {
						String r = pairs.get(id)[1].call("handshake " + millis, 120);
						record(id, "handshake", Child.value(r, "p50"));
						r = pairs.get(id)[1].call("handshake " + millis + " P256_AESGCM_SHA256", 120);
						record(id, "handshake.p256", Child.value(r, "p50"));
					}
				}
			}
		}
		finally {
			for (Child[] pair : pairs.values()) {
				closeAll(pair);
			}
		}
		Map<String, String> scale = new LinkedHashMap<>();
		if (options.scale && (options.systems.isEmpty() || options.systems.contains("ipc-noise"))) {
			try {
				scale = new ScaleRun(options.quick, logDir, workDir, jvm()).run();
			}
			catch (Exception ex) {
				log("scale run failed: " + ex);
				notes.put("scale", "not run: " + ex.getMessage());
			}
		}
		String loadAfter = loadAverage();
		double minutes = (System.nanoTime() - started) / 60e9;
		String report = new Report(this, systems, environment(loadBefore, loadAfter, minutes), scale).render();
		System.out.println(report);
		Files.createDirectories(options.out.toAbsolutePath().getParent());
		Files.writeString(options.out, report, StandardCharsets.UTF_8);
		Path csv = options.out.resolveSibling(options.out.getFileName().toString().replace(".md", "-trials.csv"));
		Files.writeString(csv, csv(), StandardCharsets.UTF_8);
		log("wrote " + options.out + " and " + csv);
	}

	private Child[] startPair(SystemSpec spec) throws Exception {
		Child server = null;
		String address = "memory";
		if (spec.server()) {
			server = Child.start(spec.id() + "-server", logDir, jvm(), "server", spec.id(), workDir.toString());
			try {
				address = server.await("READY", 60);
			}
			catch (Exception ex) {
				server.close();
				throw ex;
			}
		}
		Child client = Child.start(spec.id() + "-client", logDir, jvm(), "client", spec.id(), address);
		try {
			client.await("READY", 60);
		}
		catch (Exception ex) {
			closeAll(new Child[] { client, server });
			throw ex;
		}
		return new Child[] { server, client };
	}

	/** CPU used so far by both JVMs of a pair (ns). */
	private static long cpu(Child[] pair) {
		long sum = 0;
		for (Child child : pair) {
			if (child != null) {
				sum += child.cpuNanos();
			}
		}
		return sum;
	}

	/**
	 * Voluntary and involuntary context switches so far of every thread of both JVMs of a
	 * pair ({@code /proc/PID/task/TID/status}); -1 when unknown.
	 */
	private static long[] contextSwitches(Child[] pair) {
		long[] sum = new long[2];
		for (Child child : pair) {
			if (child != null) {
				long[] one = child.contextSwitches();
				if (one[0] < 0) {
					return new long[] { -1, -1 };
				}
				sum[0] += one[0];
				sum[1] += one[1];
			}
		}
		return sum;
	}

	/** Read- and write-type system calls so far of both JVMs ({@code /proc/PID/io}). */
	private static long syscalls(Child[] pair) {
		long sum = 0;
		for (Child child : pair) {
			if (child != null) {
				long one = child.readWriteSyscalls();
				if (one < 0) {
					return -1;
				}
				sum += one;
			}
		}
		return sum;
	}

	private static void closeAll(Child[] pair) {
		if (pair[1] != null) {
			try {
				pair[1].send("quit");
			}
			catch (IOException ex) {
				// gone
			}
			pair[1].close();
		}
		if (pair[0] != null) {
			pair[0].close();
		}
	}

	private void record(String system, String metric, double value) {
		results.computeIfAbsent(system, k -> new LinkedHashMap<>())
			.computeIfAbsent(metric, k -> new ArrayList<>())
			.add(value);
	}

	List<Double> values(String system, String metric) {
		return results.getOrDefault(system, Map.of()).getOrDefault(metric, List.of());
	}

	private static SystemSpec spec(String id) {
		return ALL.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
	}

	private Map<String, String> environment(String loadBefore, String loadAfter, double minutes) {
		Map<String, String> env = new LinkedHashMap<>();
		env.put("date",
				DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(Instant.now()));
		env.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
				+ System.getProperty("java.vendor") + ")");
		env.put("JVM options (every child)", String.join(" ", jvm()));
		env.put("CPUs", Runtime.getRuntime().availableProcessors() + " × " + cpuModel());
		env.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
				+ System.getProperty("os.arch"));
		env.put("memory",
				(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
						? (os.getTotalMemorySize() >> 30) + " GiB" : "?");
		env.put("method", String.format(Locale.ROOT,
				"%d interleaved trial(s) of %.1f s per measurement after %.0f s warm-up per system; %d connects per trial",
				options.trials, options.seconds, options.warmupSeconds, options.connects));
		env.put("load average before / after", loadBefore + " / " + loadAfter);
		env.put("run time", String.format(Locale.ROOT, "%.1f min", minutes));
		return env;
	}

	private static String cpuModel() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
				if (line.startsWith("model name")) {
					return line.substring(line.indexOf(':') + 1).trim();
				}
			}
		}
		catch (IOException ex) {
			// not Linux
		}
		return System.getProperty("os.arch");
	}

	static String loadAverage() {
		try {
			String[] parts = Files.readString(Path.of("/proc/loadavg")).split("\\s+");
			return parts[0] + " " + parts[1] + " " + parts[2];
		}
		catch (IOException ex) {
			return "?";
		}
	}

	private String csv() {
		StringBuilder out = new StringBuilder("system,metric,trial,value\n");
		results.forEach((system, metrics) -> metrics.forEach((metric, values) -> {
			for (int i = 0; i < values.size(); i++) {
				out.append(system)
					.append(',')
					.append(metric)
					.append(',')
					.append(i + 1)
					.append(',')
					.append(values.get(i))
					.append('\n');
			}
		}));
		return out.toString();
	}

	static void log(String message) {
		System.err
			.println("[harness " + DateTimeFormatter.ISO_LOCAL_TIME.format(java.time.LocalTime.now()) + "] " + message);
	}

}
