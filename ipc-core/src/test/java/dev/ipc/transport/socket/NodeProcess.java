package dev.ipc.transport.socket;

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
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * A child JVM running {@link SocketTestNode}, driven through its stdin and watched
 * through its stdout.
 */
final class NodeProcess implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(NodeProcess.class);

	private static final AtomicInteger IDS = new AtomicInteger();

	final String name;

	private final Process process;

	private final Writer stdin;

	private final List<String> lines = new CopyOnWriteArrayList<>();

	private NodeProcess(String name, Process process) {
		this.name = name;
		this.process = process;
		this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
		Thread pump = new Thread(this::pump, "node-" + name + "-stdout");
		pump.setDaemon(true);
		pump.start();
	}

	static NodeProcess start(Role role, Path socket, String name) throws IOException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
				"-XX:+UseSerialGC", "-Xmx128m", "-cp", System.getProperty("java.class.path")));
		logbackConfig().ifPresent(config -> command.add("-Dlogback.configurationFile=" + config));
		command.addAll(List.of(SocketTestNode.class.getName(), role.name(), socket.toString(), name));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		return new NodeProcess(name, process);
	}

	private static Optional<String> logbackConfig() {
		try {
			var url = NodeProcess.class.getResource("/socket-node-logback.xml");
			return (url != null) ? Optional.of(Path.of(url.toURI()).toString()) : Optional.empty();
		}
		catch (URISyntaxException ex) {
			return Optional.empty();
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
					log.info("[{}] {}", name, line);
				}
			}
		}
		catch (IOException ex) {
			// the process ended
		}
	}

	/**
	 * Waits for a line (without the {@code @@ } marker) matching {@code condition}, seen
	 * at any time.
	 */
	String awaitLine(Predicate<String> condition, Duration timeout) {
		return await().atMost(timeout)
			.until(() -> lines.stream().filter(condition).findFirst().orElse(null), found -> found != null);
	}

	boolean saw(Predicate<String> condition) {
		return lines.stream().anyMatch(condition);
	}

	String awaitReady(Duration timeout) {
		return awaitLine(l -> l.startsWith("READY " + name), timeout);
	}

	/** Sends a command and waits for its answer; returns the answer without the id. */
	String call(String command, Duration timeout) throws IOException {
		String id = send(command);
		String answer = awaitLine(l -> l.startsWith(id + " "), timeout);
		return answer.substring(id.length() + 1);
	}

	/** Sends a command and returns its id, for answers that come later. */
	String send(String command) throws IOException {
		String id = Integer.toString(IDS.incrementAndGet());
		stdin.write(id + " " + command + "\n");
		stdin.flush();
		return id;
	}

	/** SIGKILL. */
	void kill() throws InterruptedException {
		process.destroyForcibly();
		process.waitFor();
	}

	@Override
	public void close() throws InterruptedException {
		try {
			stdin.close();
		}
		catch (IOException ex) {
			// already gone
		}
		if (!process.waitFor(3, java.util.concurrent.TimeUnit.SECONDS)) {
			process.destroyForcibly();
			process.waitFor();
		}
	}

}
