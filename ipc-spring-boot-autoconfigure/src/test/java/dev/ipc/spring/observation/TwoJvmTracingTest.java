package dev.ipc.spring.observation;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.spring.observation.Tracers.FinishedSpan;
import dev.ipc.spring.observation.TracingPeer.Ping;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One trace across two JVMs: this JVM ({@code vault}) calls {@link Ping} on a
 * {@link TracingPeer} ({@code worker}) in another JVM over a Unix socket,
 * Noise-encrypted, both clients observed by {@link MicrometerIpcObserver} on a real Brave
 * tracer. The trace context travels inside the encrypted request envelope.
 */
class TwoJvmTracingTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final List<FinishedSpan> localSpans = new CopyOnWriteArrayList<>();

	private final List<FinishedSpan> remoteSpans = new CopyOnWriteArrayList<>();

	private final List<String> remoteOutput = new CopyOnWriteArrayList<>();

	private Process worker;

	@AfterEach
	void stopWorker() throws Exception {
		if (this.worker != null) {
			this.worker.getOutputStream().close();
			if (!this.worker.waitFor(10, TimeUnit.SECONDS)) {
				this.worker.destroyForcibly();
			}
		}
	}

	@Test
	void anRpcIsOneTraceWithParentAndChildSpansOnBothSides(@TempDir Path dir) throws Exception {
		Path socket = dir.resolve("ipc.sock");
		ObservationRegistry registry = Tracers.tracedRegistry("vault", this.localSpans::add);
		SocketTransportOptions options = SocketTransportOptions.builder()
			.endpoint(Endpoint.named("vault"))
			.unixSocket(socket)
			.role(Role.HOST)
			.build();
		try (SocketTransport transport = SocketTransport.open(options);
				IpcClient vault = IpcClient.builder()
					.name("vault")
					.backend(transport)
					.observer(new MicrometerIpcObserver(registry))
					.build()) {
			vault.start();
			startWorker(socket);
			await().atMost(WAIT)
				.until(() -> this.remoteOutput.contains("READY") || this.remoteOutput.contains("NOT-CONNECTED")
						|| !this.worker.isAlive());
			assertThat(this.remoteOutput).contains("READY");

			Observation job = Observation.start("vault.job", registry);
			String answer;
			try (Observation.Scope scope = job.openScope()) {
				answer = vault.request(new Ping("hi"), Endpoint.named("worker"))
					.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			}
			job.stop();
			assertThat(answer).isEqualTo("pong:hi");
		}
		await().atMost(WAIT).until(() -> this.localSpans.size() == 2 && this.remoteSpans.size() == 2);

		FinishedSpan root = only(this.localSpans, "vault.job");
		FinishedSpan client = only(this.localSpans, "CLIENT");
		FinishedSpan server = only(this.remoteSpans, "SERVER");
		FinishedSpan work = only(this.remoteSpans, "worker.work");
		assertThat(List.of(root, client, server, work)).extracting(FinishedSpan::traceId)
			.as("one trace")
			.containsOnly(root.traceId());
		assertThat(root.parentId()).isEqualTo("-");
		assertThat(client.parentId()).as("the RPC span is a child of the caller's").isEqualTo(root.spanId());
		assertThat(server.parentId()).as("the other JVM continues the trace").isEqualTo(client.spanId());
		assertThat(work.parentId()).as("the handler's work is a child of the server span").isEqualTo(server.spanId());
		assertThat(client.name()).isEqualTo("test.ping send");
		assertThat(server.name()).isEqualTo("test.ping process");
	}

	private static FinishedSpan only(List<FinishedSpan> spans, String nameOrKind) {
		List<FinishedSpan> matching = new ArrayList<>();
		for (FinishedSpan span : spans) {
			if (span.name().equals(nameOrKind) || span.kind().equals(nameOrKind)) {
				matching.add(span);
			}
		}
		assertThat(matching).as("spans named or of kind %s in %s", nameOrKind, spans).hasSize(1);
		return matching.get(0);
	}

	private void startWorker(Path socket) throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
				"-cp", System.getProperty("java.class.path"), TracingPeer.class.getName(), socket.toString());
		this.worker = new ProcessBuilder(command).redirectErrorStream(true).start();
		Thread pump = new Thread(() -> {
			try (BufferedReader out = new BufferedReader(
					new InputStreamReader(this.worker.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = out.readLine()) != null) {
					if (line.startsWith("@@ SPAN ")) {
						this.remoteSpans.add(FinishedSpan.fromLine(line.substring(3)));
					}
					else if (line.startsWith("@@ ")) {
						this.remoteOutput.add(line.substring(3));
					}
				}
			}
			catch (java.io.IOException ex) {
				// the worker exited
			}
		}, "tracing-peer-stdout");
		pump.setDaemon(true);
		pump.start();
	}

}
