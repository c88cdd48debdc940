package dev.ipc.nats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * A real {@code nats-server} process for tests: listens on a loopback port chosen at
 * random, with a generated config, and is stopped (or killed) by its process id.
 * {@link #start} fails, never skips, when the binary is missing.
 */
final class NatsServer implements AutoCloseable {

	private static final List<String> LOCATIONS = List.of("/usr/sbin/nats-server", "/usr/bin/nats-server",
			"/usr/local/bin/nats-server");

	private final Path dir;

	private final int port;

	private final String body;

	private final Path config;

	private Process process;

	private NatsServer(Path dir, int port, String body) {
		this.dir = dir;
		this.port = port;
		this.body = body;
		this.config = dir.resolve("nats-" + port + ".conf");
	}

	/** The {@code nats-server} binary, or an assertion error saying what to install. */
	static Path binary() {
		String path = System.getenv("PATH");
		if (path != null) {
			for (String entry : path.split(":")) {
				Path candidate = Path.of(entry, "nats-server");
				if (Files.isExecutable(candidate)) {
					return candidate;
				}
			}
		}
		for (String location : LOCATIONS) {
			if (Files.isExecutable(Path.of(location))) {
				return Path.of(location);
			}
		}
		throw new AssertionError("The NATS tests need the nats-server binary, which is not installed: "
				+ "run `apt-get install -y nats-server` (Debian/Ubuntu) or put nats-server on the PATH");
	}

	/** A free loopback port (never 4222). */
	static int freePort() {
		while (true) {
			try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
				int port = socket.getLocalPort();
				if (port != 4222) {
					return port;
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
	}

	/**
	 * Starts a server on a random port whose config is {@code body} (listen and log lines
	 * are added).
	 */
	static NatsServer start(Path dir, String body) {
		return start(dir, freePort(), body);
	}

	static NatsServer start(Path dir, int port, String body) {
		NatsServer server = new NatsServer(dir, port, body);
		server.launch();
		return server;
	}

	private void launch() {
		try {
			Files.writeString(config, "listen: 127.0.0.1:" + port + "\n" + body + "\n");
			ProcessBuilder builder = new ProcessBuilder(binary().toString(), "-c", config.toString())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("nats-" + port + ".log").toFile()));
			process = builder.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Awaitility.await("nats-server on port " + port)
			.atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> {
				if (!process.isAlive()) {
					throw new AssertionError("nats-server exited with " + process.exitValue() + ": " + log());
				}
				return accepts();
			});
	}

	private boolean accepts() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	String log() {
		try {
			return Files.readString(dir.resolve("nats-" + port + ".log"));
		}
		catch (IOException ex) {
			return "(no log)";
		}
	}

	String url() {
		return "nats://127.0.0.1:" + port;
	}

	int port() {
		return port;
	}

	long pid() {
		return process.pid();
	}

	/** Stops the process gracefully (SIGTERM by pid) and waits for it. */
	void stop() {
		signal(false);
	}

	/** Kills the process (SIGKILL by pid), as a crashed machine would vanish. */
	void kill() {
		signal(true);
	}

	private void signal(boolean force) {
		if (process == null || !process.isAlive()) {
			return;
		}
		ProcessHandle handle = ProcessHandle.of(process.pid()).orElse(null);
		if (handle != null) {
			if (force) {
				handle.destroyForcibly();
			}
			else {
				handle.destroy();
			}
		}
		try {
			if (!process.waitFor(20, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Starts the same config on the same port again. */
	void restart() {
		stop();
		launch();
	}

	/** Starts it again after {@link #stop()} or {@link #kill()}. */
	void startAgain() {
		launch();
	}

	@Override
	public void close() {
		kill();
	}

	@Override
	public String toString() {
		return "nats-server[" + port + ", pid " + (process == null ? "-" : process.pid()) + "]";
	}

}
