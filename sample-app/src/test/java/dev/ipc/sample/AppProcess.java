package dev.ipc.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * The sample application in a child JVM on the test class path, its output kept line by
 * line for the test to wait on. Stopped with {@link #terminate()} (SIGTERM: Boot's
 * shutdown hook closes the context), {@link #kill()} (SIGKILL).
 */
final class AppProcess {

	private final String name;

	private final Process process;

	private final List<String> lines = new CopyOnWriteArrayList<>();

	private AppProcess(String name, Process process) {
		this.name = name;
		this.process = process;
		Thread pump = new Thread(this::pump, "app-" + name + "-output");
		pump.setDaemon(true);
		pump.start();
	}

	/** Starts {@link SampleApplication} with {@code args}. */
	static AppProcess start(String name, List<String> args) throws IOException {
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto",
						"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-cp",
						System.getProperty("java.class.path"), SampleApplication.class.getName()));
		command.addAll(args);
		return new AppProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start());
	}

	private void pump() {
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = out.readLine()) != null) {
				this.lines.add(line);
			}
		}
		catch (IOException ex) {
			// the process ended
		}
	}

	/** The number of lines so far, to wait for a line printed after this point. */
	int mark() {
		return this.lines.size();
	}

	/** Waits for a line at index {@code from} or later matching {@code condition}. */
	String awaitLine(int from, Predicate<String> condition, Duration timeout) {
		try {
			return await().atMost(timeout).until(() -> {
				for (int i = from; i < this.lines.size(); i++) {
					if (condition.test(this.lines.get(i))) {
						return this.lines.get(i);
					}
				}
				return null;
			}, (found) -> found != null);
		}
		catch (ConditionTimeoutException ex) {
			throw new AssertionError("no expected line from " + this.name + " within " + timeout + "; its output:\n"
					+ String.join("\n", this.lines), ex);
		}
	}

	/**
	 * SIGTERM through the process handle ({@code Process.destroy()} would also close our
	 * end of its output).
	 */
	void terminate() {
		this.process.toHandle().destroy();
	}

	/** SIGKILL, and waits for the process to be gone. */
	void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor();
	}

	/** The exit code, or empty when the process did not end within {@code timeout}. */
	OptionalInt awaitExit(Duration timeout) throws InterruptedException {
		return this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
				? OptionalInt.of(this.process.exitValue()) : OptionalInt.empty();
	}

}
