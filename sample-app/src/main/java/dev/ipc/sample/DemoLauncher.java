package dev.ipc.sample;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * Runs the sample as two real processes: starts a {@code vault} JVM (the Unix-socket
 * host) and a {@code worker} JVM (a peer) from the same class path, prefixes and prints
 * their output, and, with {@code --sample.demo.rounds=N} (default 5; 0 = run until
 * Ctrl-C), stops both gracefully after the worker completed N rounds. The two talk over
 * an encrypted (Noise) Unix socket in a fresh private directory; every other setting
 * comes from {@code application.yml}. Exit code 0 when the rounds completed, 1 otherwise.
 *
 * <p>
 * Other arguments are passed to both processes (for example
 * {@code --logging.level.dev.ipc=debug}).
 */
public final class DemoLauncher {

	/** The program argument that selects the demo. */
	public static final String DEMO = "demo";

	private static final String ROUNDS_ARG = "--sample.demo.rounds=";

	private static final String ROUND_MARKER = "Worker: job-";

	/** How long the first round may take: it includes starting both processes. */
	private static final java.time.Duration FIRST_ROUND_LIMIT = java.time.Duration.ofMinutes(5);

	/** How long any later round may take. */
	private static final java.time.Duration ROUND_LIMIT = java.time.Duration.ofMinutes(2);

	private DemoLauncher() {
	}

	public static void main(String[] args) throws Exception {
		int rounds = 5;
		List<String> passThrough = new ArrayList<>();
		for (String arg : args) {
			if (arg.startsWith(ROUNDS_ARG)) {
				rounds = Integer.parseInt(arg.substring(ROUNDS_ARG.length()));
			}
			else if (!DEMO.equals(arg)) {
				passThrough.add(arg);
			}
		}
		Path socketDir = Files.createTempDirectory("ipc-demo-");
		passThrough.add("--ipc.transport.path=" + socketDir.resolve("ipc.sock"));
		System.out.println("Demo: starting the vault (host) and the worker (peer) as two processes, talking over the "
				+ "encrypted Unix socket " + socketDir.resolve("ipc.sock"));
		Process vault = start("vault", passThrough);
		Process worker = start("worker", passThrough);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(worker, vault), "demo-shutdown"));
		CountDownLatch done = new CountDownLatch(Math.max(rounds, 1));
		AtomicInteger completed = new AtomicInteger();
		pump("vault", vault, null, null);
		pump("worker", worker, done, completed);
		// a process that dies early ends the wait at once instead of at the time limit
		vault.onExit().thenRun(() -> abandon(done));
		worker.onExit().thenRun(() -> abandon(done));
		boolean finished;
		if (rounds > 0) {
			finished = awaitRounds(done, completed) && completed.get() >= rounds;
			System.out.println("Demo: " + (finished ? "finished" : "timed out") + " after " + completed.get()
					+ " round(s); stopping both processes");
			stop(worker, vault);
		}
		else {
			finished = worker.waitFor() == 0;
		}
		Files.deleteIfExists(socketDir.resolve("ipc.sock"));
		Files.deleteIfExists(socketDir.resolve("ipc.sock.lock"));
		Files.deleteIfExists(socketDir);
		System.exit(finished ? 0 : 1);
	}

	/**
	 * Waits for the rounds while they make progress: the first may take up to
	 * {@link #FIRST_ROUND_LIMIT} (two Spring Boot JVMs start on a machine that may be
	 * busy), each later one up to {@link #ROUND_LIMIT}. A stall, not a slow machine, ends
	 * the demo.
	 */
	private static boolean awaitRounds(CountDownLatch done, AtomicInteger completed) throws InterruptedException {
		int seen = 0;
		while (true) {
			long limitSeconds = (seen == 0) ? FIRST_ROUND_LIMIT.toSeconds() : ROUND_LIMIT.toSeconds();
			if (done.await(limitSeconds, TimeUnit.SECONDS)) {
				return true;
			}
			int now = completed.get();
			if (now == seen) {
				return false;
			}
			seen = now;
		}
	}

	private static void abandon(CountDownLatch done) {
		while (done.getCount() > 0) {
			done.countDown();
		}
	}

	private static Process start(String role, List<String> args) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		String classPath = System.getProperty("java.class.path");
		if (classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)) {
			command.addAll(Arrays.asList("-jar", classPath)); // launched with java -jar
																// sample-app.jar
		}
		else {
			command.addAll(Arrays.asList("-cp", classPath, SampleApplication.class.getName()));
		}
		command.add("--spring.profiles.active=" + role);
		command.add("--spring.main.banner-mode=off");
		command.addAll(args);
		return new ProcessBuilder(command).redirectErrorStream(true).start();
	}

	/** Copies a child's output with a prefix, counting the worker's completed rounds. */
	private static void pump(String role, Process process, @Nullable CountDownLatch rounds,
			@Nullable AtomicInteger completed) {
		Thread thread = new Thread(() -> {
			try (BufferedReader reader = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = reader.readLine()) != null) {
					System.out.println("[" + role + "] " + line);
					if (rounds != null && completed != null && line.contains(ROUND_MARKER) && line.contains(" got ")) {
						completed.incrementAndGet();
						rounds.countDown();
					}
				}
			}
			catch (IOException ex) {
				// the process ended
			}
		}, "demo-output-" + role);
		thread.setDaemon(true);
		thread.start();
	}

	/**
	 * Asks each process to shut down gracefully (SIGTERM), then waits a bounded time,
	 * then kills.
	 */
	private static void stop(Process... processes) {
		for (Process process : processes) {
			process.destroy();
		}
		for (Process process : processes) {
			try {
				if (!process.waitFor(20, TimeUnit.SECONDS)) {
					process.destroyForcibly();
				}
			}
			catch (InterruptedException ex) {
				process.destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
	}

}
