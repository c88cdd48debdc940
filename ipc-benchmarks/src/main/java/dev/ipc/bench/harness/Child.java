package dev.ipc.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A forked JVM running one role, driven over its stdin/stdout lines; its stderr goes to a
 * log file.
 */
final class Child implements AutoCloseable {

	private static final String EOF = "\u0000EOF";

	final String name;

	private final Process process;

	private final Writer stdin;

	private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

	private Child(String name, Process process) {
		this.name = name;
		this.process = process;
		this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
		Thread pump = new Thread(() -> {
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = reader.readLine()) != null) {
					lines.add(line);
				}
			}
			catch (IOException ex) {
				// process ended
			}
			lines.add(EOF);
		}, "child-" + name);
		pump.setDaemon(true);
		pump.start();
	}

	/**
	 * Forks {@code java <jvmArgs> -cp <our class path> dev.ipc.bench.Main role <args>}.
	 */
	static Child start(String name, Path logDir, List<String> jvmArgs, String... args) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmArgs);
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add("dev.ipc.bench.Main");
		command.add("role");
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
		return new Child(name, builder.start());
	}

	long pid() {
		return process.pid();
	}

	/**
	 * CPU time (user + system) this child has used so far, in nanoseconds, from /proc; -1
	 * if unknown.
	 */
	long cpuNanos() {
		try {
			String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
			String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			// fields 14 and 15 of stat (utime, stime), counted from field 3 after the
			// command name
			long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
			return ticks * 10_000_000L; // USER_HZ = 100 on Linux
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	/**
	 * Voluntary and involuntary context switches of all this child's threads so far
	 * (threads that ended are not counted); {@code {-1, -1}} if unknown.
	 */
	long[] contextSwitches() {
		long[] sum = new long[2];
		Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
		try (java.util.stream.Stream<Path> threads = java.nio.file.Files.list(tasks)) {
			for (Path thread : (Iterable<Path>) threads::iterator) {
				try {
					for (String line : java.nio.file.Files.readAllLines(thread.resolve("status"))) {
						if (line.startsWith("voluntary_ctxt_switches:")) {
							sum[0] += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
						}
						else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
							sum[1] += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
						}
					}
				}
				catch (IOException ex) {
					// the thread ended meanwhile
				}
			}
			return sum;
		}
		catch (IOException | RuntimeException ex) {
			return new long[] { -1, -1 };
		}
	}

	/**
	 * Read- and write-type system calls of this child so far ({@code syscr + syscw} of
	 * {@code /proc/PID/io}: read, write, recvmsg, sendmsg and the like, not epoll or
	 * futex); -1 if unknown.
	 */
	long readWriteSyscalls() {
		try {
			long sum = 0;
			for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "io"))) {
				if (line.startsWith("syscr:") || line.startsWith("syscw:")) {
					sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
				}
			}
			return sum;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	/** Waits for a line starting with {@code prefix}; returns the rest of it. */
	String await(String prefix, long timeoutSeconds) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
		while (true) {
			long left = deadline - System.nanoTime();
			String line = lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
			if (line == null) {
				throw new IllegalStateException(name + ": no '" + prefix + "' within " + timeoutSeconds + " s");
			}
			if (line.equals(EOF)) {
				throw new IllegalStateException(name + " exited (see its log)");
			}
			if (line.startsWith("ERROR")) {
				throw new IllegalStateException(name + ": " + line);
			}
			if (line.startsWith(prefix)) {
				return line.substring(prefix.length()).trim();
			}
		}
	}

	/** Sends a command and returns its {@code RESULT} line (without the prefix). */
	String call(String command, long timeoutSeconds) throws IOException, InterruptedException {
		send(command);
		return await("RESULT", timeoutSeconds);
	}

	void send(String command) throws IOException {
		stdin.write(command + "\n");
		stdin.flush();
	}

	@Override
	public void close() {
		try {
			stdin.close();
		}
		catch (IOException ex) {
			// already gone
		}
		try {
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroy();
				if (!process.waitFor(5, TimeUnit.SECONDS)) {
					process.destroyForcibly();
				}
			}
		}
		catch (InterruptedException ex) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}

	/** Parses {@code key=value key=value} into a lookup. */
	static double value(String result, String key) {
		for (String part : result.split("\\s+")) {
			int eq = part.indexOf('=');
			if (eq > 0 && part.substring(0, eq).equals(key)) {
				return Double.parseDouble(part.substring(eq + 1));
			}
		}
		throw new IllegalArgumentException("no " + key + " in " + result);
	}

}
