package dev.ipc.spring.observation;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * The second JVM of {@link TwoJvmTracingTest}: {@code TracingPeer <socket>} connects as
 * {@code worker}, answers {@link Ping} (doing a piece of observed work inside the
 * handler) on a client observed by a traced registry, and prints {@code @@ READY} once
 * connected and {@code @@ SPAN …} for each span it finishes. Exits when stdin ends.
 */
public final class TracingPeer {

	/** The RPC the test sends. */
	@IpcPayload("test.ping")
	public record Ping(String text) implements RpcRequest<String> {
	}

	private TracingPeer() {
	}

	private static synchronized void say(String line) {
		System.out.println("@@ " + line);
		System.out.flush();
	}

	public static void main(String[] args) throws Exception {
		ObservationRegistry registry = Tracers.tracedRegistry("worker", (span) -> say(span.toLine()));
		SocketTransportOptions options = SocketTransportOptions.builder()
			.endpoint(Endpoint.named("worker"))
			.unixSocket(Path.of(args[0]))
			.role(Role.PEER)
			.initialBackoff(Duration.ofMillis(50))
			.maxBackoff(Duration.ofMillis(500))
			.build();
		try (SocketTransport transport = SocketTransport.open(options)) {
			IpcClient client = IpcClient.builder()
				.name("worker")
				.backend(transport)
				.observer(new MicrometerIpcObserver(registry))
				.build();
			client.registerRpcHandler(Ping.class,
					(ping, context) -> Observation.createNotStarted("worker.work", registry)
						.observe(() -> "pong:" + ping.text()));
			client.start();
			if (!transport.awaitConnected(Duration.ofSeconds(30))) {
				say("NOT-CONNECTED");
				System.exit(2);
			}
			say("READY");
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			while (in.readLine() != null) {
				// runs until the test closes stdin
			}
			client.close();
		}
	}

}
