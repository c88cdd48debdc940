package dev.ipc.interop;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.ipc.codec.IpcJsonModule;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.transport.ReceiverFanout;

/**
 * One real Bitwarden SDK {@code IpcClient} in a {@code node sdk-peer.mjs} child process,
 * and the Java {@link CommunicationBackend} that connects a Java client to it (the bridge
 * protocol of {@code interop/README.md}).
 *
 * <p>
 * The SDK peer is {@link #sdkEndpoint()} (for example {@code DesktopRenderer}); the Java
 * side is {@link #javaEndpoint()} (for example {@code DesktopMain}). A message the Java
 * backend sends to the SDK's endpoint becomes a {@code deliver} frame with {@code source}
 * = the Java endpoint; a {@code send} frame from the SDK becomes an incoming message on
 * the Java side with source = the SDK's endpoint. Both sides are thus keyed consistently
 * (the key-consistency invariant of spec §4.4). Every frame either way is recorded for
 * wire assertions.
 *
 * <p>
 * The child's stderr is copied to the test log (logger {@code dev.ipc.interop.sdk}).
 */
final class SdkPeer implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(SdkPeer.class);

	private static final Logger sdkLog = LoggerFactory.getLogger("dev.ipc.interop.sdk");

	static final String SDK_PACKAGE = "@bitwarden/sdk-internal";

	static final String SDK_VERSION = "0.2.0-main.1054";

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

	private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

	private static final int MAX_FRAME = 64 * 1024 * 1024;

	static final JsonMapper JSON = JsonMapper.builder().addModule(new IpcJsonModule()).build();

	/** A frame as it crossed the bridge: the Noise-layer bytes and the topic in clear. */
	record WireFrame(byte[] payload, @Nullable String topic) {
	}

	private final Endpoint sdkEndpoint;

	private final Endpoint javaEndpoint;

	private final Process process;

	private final OutputStream stdin;

	private final ReentrantLock writeLock = new ReentrantLock();

	private final Thread reader;

	private final Thread stderrPump;

	private final CompletableFuture<JsonNode> ready = new CompletableFuture<>();

	private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

	private final AtomicLong ids = new AtomicLong();

	private final ReceiverFanout fanout = new ReceiverFanout();

	private final Bridge backend = new Bridge();

	private final List<WireFrame> fromSdk = new CopyOnWriteArrayList<>();

	private final List<WireFrame> fromJava = new CopyOnWriteArrayList<>();

	private final List<String> protocolErrors = new CopyOnWriteArrayList<>();

	private volatile @Nullable Consumer<OutgoingMessage> javaSendHook;

	private volatile @Nullable Consumer<WireFrame> sdkSendHook;

	private volatile boolean closed;

	private SdkPeer(Endpoint sdkEndpoint, Endpoint javaEndpoint, Process process) {
		this.sdkEndpoint = sdkEndpoint;
		this.javaEndpoint = javaEndpoint;
		this.process = process;
		this.stdin = process.getOutputStream();
		this.reader = new Thread(this::readFrames, "sdk-peer-stdout-" + process.pid());
		this.reader.setDaemon(true);
		this.stderrPump = new Thread(this::pumpStderr, "sdk-peer-stderr-" + process.pid());
		this.stderrPump.setDaemon(true);
	}

	/** The interop module directory (surefire's working directory). */
	static Path moduleDir() {
		return Path.of("").toAbsolutePath();
	}

	/**
	 * Checks that Node and the pinned SDK package are installed, failing loudly (never
	 * skipping) when not.
	 * @throws IllegalStateException naming what is missing and how to install it
	 */
	static void checkPrerequisites() {
		Path dir = moduleDir();
		Path script = dir.resolve("sdk-peer.mjs");
		if (!Files.isRegularFile(script)) {
			throw new IllegalStateException(
					"Interop tests must run with the interop module as working directory: " + script + " not found");
		}
		String nodeVersion;
		try {
			Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
			nodeVersion = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			if (!node.waitFor(30, TimeUnit.SECONDS) || node.exitValue() != 0) {
				throw new IllegalStateException("`node --version` failed: " + nodeVersion);
			}
		}
		catch (IOException | InterruptedException ex) {
			throw new IllegalStateException("Node.js (20 or later) is required for the interop tests but `node` "
					+ "could not be run (" + ex.getMessage() + "). Install Node.js, then run `npm ci` in interop/", ex);
		}
		Path sdk = dir.resolve("node_modules").resolve(SDK_PACKAGE).resolve("package.json");
		if (!Files.isRegularFile(sdk)) {
			throw new IllegalStateException("The Bitwarden SDK is not installed: " + sdk + " is missing. Run `npm ci` "
					+ "in interop/ (cd interop && npm ci) before the interop tests; they fail rather than skip "
					+ "without it");
		}
		log.info("Interop prerequisites: node {}, {} in {}", nodeVersion, SDK_PACKAGE, dir);
	}

	/**
	 * Spawns {@code node sdk-peer.mjs} and waits for its {@code ready} frame (does not
	 * start the SDK client).
	 */
	static SdkPeer launch(Endpoint sdkEndpoint, Endpoint javaEndpoint) {
		checkPrerequisites();
		Path dir = moduleDir();
		Process process;
		try {
			process = new ProcessBuilder("node", dir.resolve("sdk-peer.mjs").toString()).directory(dir.toFile())
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start node sdk-peer.mjs: " + ex.getMessage(), ex);
		}
		SdkPeer peer = new SdkPeer(sdkEndpoint, javaEndpoint, process);
		peer.reader.start();
		peer.stderrPump.start();
		try {
			JsonNode frame = peer.ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			String version = frame.path("sdkVersion").asString("");
			if (!SDK_VERSION.equals(version)) {
				throw new IllegalStateException("sdk-peer runs " + SDK_PACKAGE + " " + version + ", expected "
						+ SDK_VERSION + ": run `npm ci` in interop/");
			}
			log.info("sdk-peer pid {} ready ({} {})", process.pid(), SDK_PACKAGE, version);
			return peer;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			peer.close();
			throw new IllegalStateException("Interrupted while waiting for sdk-peer", ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			peer.close();
			throw new IllegalStateException("sdk-peer did not become ready within " + READY_TIMEOUT.toSeconds()
					+ " s (see the [sdk] log lines): " + ex, ex);
		}
		catch (RuntimeException ex) {
			peer.close();
			throw ex;
		}
	}

	/** The SDK client's endpoint, as the Java side addresses it. */
	Endpoint sdkEndpoint() {
		return sdkEndpoint;
	}

	/** The Java side's endpoint, stamped as source on everything delivered to the SDK. */
	Endpoint javaEndpoint() {
		return javaEndpoint;
	}

	/** The Java backend connected to this SDK peer. */
	CommunicationBackend backend() {
		return backend;
	}

	/** Every frame the SDK sent to the Java side, in order. */
	List<WireFrame> framesFromSdk() {
		return new ArrayList<>(fromSdk);
	}

	/** Every frame the Java side delivered to the SDK, in order. */
	List<WireFrame> framesFromJava() {
		return new ArrayList<>(fromJava);
	}

	/** Frames the peer could not handle (should stay empty). */
	List<String> protocolErrors() {
		return new ArrayList<>(protocolErrors);
	}

	/**
	 * Runs {@code hook} on every Java send before it is delivered; it may throw to fail
	 * the send.
	 */
	void onJavaSend(@Nullable Consumer<OutgoingMessage> hook) {
		this.javaSendHook = hook;
	}

	/**
	 * Runs {@code hook} on every frame from the SDK before the Java side receives it (on
	 * the reader thread).
	 */
	void onSdkSend(@Nullable Consumer<WireFrame> hook) {
		this.sdkSendHook = hook;
	}

	/** Whether the child process is alive. */
	boolean isAlive() {
		return process.isAlive();
	}

	// ---------------------------------------------------------------- commands

	/** {@code start} with the given Discover version. */
	JsonNode start(String version) {
		ObjectNode args = JSON.createObjectNode();
		args.put("version", version);
		return command("start", args);
	}

	/**
	 * Runs {@code op} and returns its value; a failed command throws
	 * {@link SdkCommandException}.
	 */
	JsonNode command(String op, ObjectNode args) {
		return await(op, commandAsync(op, args));
	}

	/**
	 * Sends a command without waiting; the future fails with {@link SdkCommandException}
	 * for {@code ok:false}.
	 */
	CompletableFuture<JsonNode> commandAsync(String op, ObjectNode args) {
		long id = ids.incrementAndGet();
		CompletableFuture<JsonNode> result = new CompletableFuture<>();
		pending.put(id, result);
		ObjectNode frame = JSON.createObjectNode();
		frame.put("type", "command");
		frame.put("id", id);
		frame.put("op", op);
		frame.set("args", args);
		try {
			write(frame);
		}
		catch (IOException ex) {
			pending.remove(id);
			result.completeExceptionally(new IllegalStateException("sdk-peer stdin closed: " + ex.getMessage(), ex));
		}
		return result;
	}

	JsonNode await(String what, CompletableFuture<JsonNode> result) {
		try {
			return result.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException(what + " failed", ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("sdk-peer did not answer " + what + " within " + COMMAND_TIMEOUT, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted waiting for " + what, ex);
		}
	}

	/** A fresh args object. */
	static ObjectNode args() {
		return JSON.createObjectNode();
	}

	/** An endpoint in the SDK's JSON form. */
	static JsonNode json(Endpoint endpoint) {
		return JSON.valueToTree(endpoint);
	}

	/** A failed SDK command. */
	static final class SdkCommandException extends RuntimeException {

		private final String errorName;

		private final String errorVariant;

		SdkCommandException(String op, String error, String errorName, String errorVariant) {
			super("sdk-peer " + op + " failed: " + error + (errorName.isEmpty() ? ""
					: " [" + errorName + (errorVariant.isEmpty() ? "" : "/" + errorVariant) + "]"));
			this.errorName = errorName;
			this.errorVariant = errorVariant;
		}

		String errorName() {
			return errorName;
		}

		String errorVariant() {
			return errorVariant;
		}

	}

	// ---------------------------------------------------------------- frames

	private void write(JsonNode frame) throws IOException {
		byte[] body = JSON.writeValueAsBytes(frame);
		writeLock.lock();
		try {
			stdin.write(ByteBuffer.allocate(4).putInt(body.length).array());
			stdin.write(body);
			stdin.flush();
		}
		finally {
			writeLock.unlock();
		}
	}

	private void readFrames() {
		try (DataInputStream in = new DataInputStream(process.getInputStream())) {
			while (true) {
				int length = in.readInt();
				if (length < 0 || length > MAX_FRAME) {
					throw new IOException("bad frame length " + length);
				}
				byte[] body = new byte[length];
				in.readFully(body);
				handle(JSON.readTree(body));
			}
		}
		catch (EOFException ex) {
			log.debug("sdk-peer stdout closed");
		}
		catch (IOException | RuntimeException ex) {
			if (!closed) {
				log.error("sdk-peer stdout reader failed", ex);
			}
		}
		finally {
			IllegalStateException gone = new IllegalStateException("sdk-peer exited");
			ready.completeExceptionally(gone);
			pending.values().forEach(result -> result.completeExceptionally(gone));
			fanout.close();
		}
	}

	private void handle(JsonNode frame) {
		String type = frame.path("type").asString("");
		switch (type) {
			case "ready" -> ready.complete(frame);
			case "result" -> {
				CompletableFuture<JsonNode> result = pending.remove(frame.path("id").asLong());
				if (result == null) {
					log.warn("sdk-peer result for unknown command {}", frame.path("id"));
				}
				else if (frame.path("ok").asBoolean(false)) {
					result.complete(frame.get("value"));
				}
				else {
					result.completeExceptionally(
							new SdkCommandException("command " + frame.path("id"), frame.path("error").asString(""),
									frame.path("errorName").asString(""), frame.path("errorVariant").asString("")));
				}
			}
			case "send" -> onSdkSend(frame);
			case "protocol-error" -> {
				log.error("sdk-peer protocol error: {}", frame);
				protocolErrors.add(frame.toString());
			}
			default -> log.warn("sdk-peer sent an unknown frame type {}", type);
		}
	}

	private void onSdkSend(JsonNode frame) {
		byte[] payload = Base64.getDecoder().decode(frame.path("payload").asString(""));
		JsonNode topicNode = frame.get("topic");
		String topic = (topicNode == null || topicNode.isNull()) ? null : topicNode.asString();
		Endpoint destination = JSON.treeToValue(frame.get("destination"), Endpoint.class);
		WireFrame wire = new WireFrame(payload, topic);
		fromSdk.add(wire);
		Consumer<WireFrame> hook = sdkSendHook;
		if (hook != null) {
			hook.accept(wire);
		}
		if (!destination.equals(javaEndpoint)) {
			log.warn("sdk-peer sent to {}, not to the Java side {}: dropped", destination, javaEndpoint);
			return;
		}
		fanout.publish(new IncomingMessage(payload, destination, Source.of(sdkEndpoint), topic));
	}

	private void pumpStderr() {
		try (BufferedReader err = new BufferedReader(
				new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
			for (String line = err.readLine(); line != null; line = err.readLine()) {
				sdkLog.info("[sdk] {}", line);
			}
		}
		catch (IOException ex) {
			log.debug("sdk-peer stderr closed: {}", ex.getMessage());
		}
	}

	// ---------------------------------------------------------------- Java backend

	/**
	 * The Java side's transport: sends become {@code deliver} frames, the SDK's sends
	 * arrive through the fanout.
	 */
	private final class Bridge implements CommunicationBackend {

		@Override
		public void send(OutgoingMessage message) {
			Objects.requireNonNull(message, "message");
			if (closed) {
				throw new IpcClosedException("bridge to sdk-peer is closed");
			}
			if (!message.destination().equals(sdkEndpoint) || !process.isAlive()) {
				throw new IpcUnreachableException(message.destination());
			}
			Consumer<OutgoingMessage> hook = javaSendHook;
			if (hook != null) {
				hook.accept(message);
			}
			ObjectNode frame = JSON.createObjectNode();
			frame.put("type", "deliver");
			frame.put("payload", Base64.getEncoder().encodeToString(message.payload()));
			frame.set("destination", json(sdkEndpoint));
			frame.set("source", JSON.valueToTree(Source.of(javaEndpoint)));
			if (message.topic() == null) {
				frame.putNull("topic");
			}
			else {
				frame.put("topic", message.topic());
			}
			fromJava.add(new WireFrame(message.payload(), message.topic()));
			try {
				write(frame);
			}
			catch (IOException ex) {
				throw new IpcException(ErrorKind.OTHER, "cannot write to sdk-peer: " + ex.getMessage(), ex);
			}
		}

		@Override
		public BackendReceiver subscribe() {
			return fanout.subscribe();
		}

		@Override
		public String toString() {
			return "SdkBridge[" + javaEndpoint + " <-> " + sdkEndpoint + " (pid " + process.pid() + ")]";
		}

	}

	// ---------------------------------------------------------------- life cycle

	/** Asks the peer to shut down, then makes sure the process is gone. Idempotent. */
	@Override
	public void close() {
		if (closed) {
			return;
		}
		closed = true;
		try {
			if (process.isAlive()) {
				CompletableFuture<JsonNode> bye = commandAsync("shutdown", args());
				try {
					bye.get(2, TimeUnit.SECONDS);
				}
				catch (ExecutionException | TimeoutException ex) {
					log.debug("sdk-peer shutdown: {}", ex.toString());
				}
			}
			try {
				stdin.close();
			}
			catch (IOException ex) {
				log.debug("closing sdk-peer stdin: {}", ex.getMessage());
			}
			if (!process.waitFor(5, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				process.waitFor(5, TimeUnit.SECONDS);
			}
			reader.join(2000);
			stderrPump.join(2000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			process.destroyForcibly();
		}
		finally {
			fanout.close();
		}
		log.info("sdk-peer pid {} stopped (exit {})", process.pid(), process.isAlive() ? "?" : process.exitValue());
	}

}
