package dev.ipc.nativemessaging.browser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, with a fresh profile and the unpacked test extension.
 * Branded Chrome ignores {@code --load-extension}; Chromium does not. The flags that stop
 * background networking keep it from hammering the closed network of a CI machine.
 */
final class HeadlessChromium implements AutoCloseable {

	private final Process process;

	private final Path log;

	private HeadlessChromium(Process process, Path log) {
		this.process = process;
		this.log = log;
	}

	/**
	 * The Chromium binary ({@code $CHROMIUM}, else {@code /usr/bin/chromium}); fails
	 * saying what to install.
	 */
	static Path binary() {
		String configured = System.getenv("CHROMIUM");
		Path binary = Path.of(configured != null && !configured.isBlank() ? configured : "/usr/bin/chromium");
		if (!Files.isExecutable(binary)) {
			throw new IllegalStateException("Chromium is needed for the real-browser native messaging test and was "
					+ "not found at " + binary + ": install Debian's package (`apt-get install -y chromium`, which "
					+ ".ci/run does), or point $CHROMIUM at a Chromium binary (branded Chrome ignores --load-extension)");
		}
		return binary;
	}

	static HeadlessChromium start(Path profile, Path extension, Path log) throws IOException {
		List<String> command = new ArrayList<>(List.of(binary().toString(), "--headless=new", "--disable-gpu",
				"--no-first-run", "--no-default-browser-check", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--disable-quic", "--enable-logging=stderr", "--v=0",
				"--user-data-dir=" + profile, "--load-extension=" + extension, "about:blank"));
		if ("root".equals(System.getProperty("user.name"))) {
			command.add(1, "--no-sandbox"); // Chromium refuses to run as root with its
											// sandbox (CI runs as root)
		}
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new HeadlessChromium(process, log);
	}

	/**
	 * The end of Chromium's log (its own messages, the extension's console errors, the
	 * hosts' stderr).
	 */
	String logTail() {
		try {
			List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8)
				.stream()
				.filter(line -> !line.contains("dbus") && !line.contains("unexpected operator"))
				.toList();
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
		}
		catch (IOException ex) {
			return "(no log: " + ex + ")";
		}
	}

	/** Keeps a copy of the log under {@code target/} for a failed run. */
	void keepLog() {
		try {
			Files.copy(log, Path.of("target/chromium-native-messaging.log"),
					java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		}
		catch (IOException ex) {
			// diagnostics only
		}
	}

	@Override
	public void close() throws InterruptedException {
		process.descendants().forEach(ProcessHandle::destroy);
		process.destroy();
		if (!process.waitFor(10, TimeUnit.SECONDS)) {
			process.descendants().forEach(ProcessHandle::destroyForcibly);
			process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

}
