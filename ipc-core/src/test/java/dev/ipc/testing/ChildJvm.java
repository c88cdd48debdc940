package dev.ipc.testing;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child JVM on the test class path, driven through its stdin and watched through its
 * stdout: lines starting with {@code @@ } are kept (without the marker) for the test to
 * wait on, everything else is logged. Stopped with {@link #terminate()} (SIGTERM:
 * shutdown hooks run), {@link #kill()} (SIGKILL) or {@link #close()} (stdin closed, then
 * a bounded wait, then SIGKILL).
 */
public final class ChildJvm implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(ChildJvm.class);

	private static final AtomicInteger IDS = new AtomicInteger();

	private final String name;

	private final Process process;

	private final Writer stdin;

	private final List<String> lines = new CopyOnWriteArrayList<>();

	private ChildJvm(String name, Process process) {
		this.name = name;
		this.process = process;
		this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
		Thread pump = new Thread(this::pump, "child-" + name + "-stdout");
		pump.setDaemon(true);
		pump.start();
	}

	/**
	 * Starts {@code mainClass} with {@code args} in a small, quick-starting JVM, logging
	 * at warn.
	 */
	public static ChildJvm start(String name, Class<?> mainClass, List<String> args) throws IOException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
				"-XX:+UseSerialGC", "-Xmx192m", "-cp", System.getProperty("java.class.path")));
		logbackConfig().ifPresent(config -> command.add("-Dlogback.configurationFile=" + config));
		command.add(mainClass.getName());
		command.addAll(args);
		return new ChildJvm(name, new ProcessBuilder(command).redirectErrorStream(true).start());
	}

	private static java.util.Optional<String> logbackConfig() {
		try {
			var url = ChildJvm.class.getResource("/socket-node-logback.xml");
			return (url != null) ? java.util.Optional.of(Path.of(url.toURI()).toString()) : java.util.Optional.empty();
		}
		catch (URISyntaxException ex) {
			return java.util.Optional.empty();
		}
	}

	private void pump() {
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = out.readLine()) != null) {
				if (line.startsWith("@@ ")) {
					lines.add(line.substring(3));
				}
				else {
					log.warn("[{}] {}", name, line); // the children log warnings and
														// errors only
				}
			}
		}
		catch (IOException ex) {
			// the process ended
		}
	}

	public String name() {
		return name;
	}

	/** Every marked line seen so far (diagnostics). */
	public List<String> lines() {
		return List.copyOf(lines);
	}

	@Override
	public String toString() {
		return "ChildJvm[" + name + ", " + lines.size() + " lines: " + lines + "]";
	}

	/** The number of lines seen so far, to wait for a line seen after this point. */
	public int mark() {
		return lines.size();
	}

	/**
	 * Waits for a line matching {@code condition} seen at index {@code from} or later;
	 * fails after {@code timeout}.
	 */
	public String awaitLine(int from, Predicate<String> condition, Duration timeout) {
		try {
			return await().atMost(timeout).until(() -> {
				for (int i = from; i < lines.size(); i++) {
					if (condition.test(lines.get(i))) {
						return lines.get(i);
					}
				}
				return null;
			}, found -> found != null);
		}
		catch (org.awaitility.core.ConditionTimeoutException ex) {
			throw new AssertionError("no expected line after index " + from + " within " + timeout + " from " + this
					+ (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")"), ex);
		}
	}

	/**
	 * Whether a line matching {@code condition} was seen at index {@code from} or later.
	 */
	public boolean saw(int from, Predicate<String> condition) {
		for (int i = from; i < lines.size(); i++) {
			if (condition.test(lines.get(i))) {
				return true;
			}
		}
		return false;
	}

	/** Sends a command and waits for its answer; returns the answer without the id. */
	public String call(String command, Duration timeout) throws IOException {
		String id = send(command);
		String answer = awaitLine(0, l -> l.startsWith(id + " "), timeout);
		return answer.substring(id.length() + 1);
	}

	/** Sends a command and returns its id, for answers that come later. */
	public String send(String command) throws IOException {
		String id = "c" + IDS.incrementAndGet();
		stdin.write(id + " " + command + "\n");
		stdin.flush();
		return id;
	}

	/** Closes stdin (the child's signal to close its client and end). */
	public void closeStdin() {
		try {
			stdin.close();
		}
		catch (IOException ex) {
			// already gone
		}
	}

	public boolean isAlive() {
		return process.isAlive();
	}

	/**
	 * SIGTERM: the JVM runs its shutdown hooks. Sent through the process handle:
	 * {@code Process.destroy()} would also close our end of the child's stdout, losing
	 * what its hooks print.
	 */
	public void terminate() {
		process.toHandle().destroy();
	}

	/** SIGKILL, and waits for the process to be gone. */
	public void kill() throws InterruptedException {
		process.destroyForcibly();
		process.waitFor();
	}

	/**
	 * Waits up to {@code timeout} for the process to end; returns its exit code, or empty
	 * if it is still running.
	 */
	public java.util.OptionalInt awaitExit(Duration timeout) throws InterruptedException {
		return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
				? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
	}

	@Override
	public void close() throws InterruptedException {
		closeStdin();
		if (!process.waitFor(5, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			process.waitFor();
		}
	}

}
