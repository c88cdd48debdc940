package dev.ipc.nats;

import static dev.ipc.nats.NatsFixtures.WORKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.nats.client.Dispatcher;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Source;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.nats.NatsFixtures.ItemChanged;
import dev.ipc.nats.NatsFixtures.RawConnection;
import dev.ipc.nats.NatsFixtures.Slow;
import dev.ipc.nats.NatsFixtures.Sum;
import dev.ipc.spi.IpcUnreachableException;

/**
 * Two JVMs over a real nats-server, Noise on: RPC and pub/sub, ciphertext only on the
 * broker, and a crashed peer.
 */
class NatsMultiProcessTest {

	@TempDir
	Path dir;

	private final List<AutoCloseable> resources = new ArrayList<>();

	private Process child;

	@AfterEach
	void closeAll() throws Exception {
		if (child != null) {
			child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
		}
		for (int i = resources.size() - 1; i >= 0; i--) {
			resources.get(i).close();
		}
	}

	@Test
	void twoJvmsTalkEncryptedThroughTheBrokerAndACrashedPeerFailsItsPendingRpc() throws Exception {
		NatsServer server = NatsServer.start(dir, NatsFixtures.authorization());
		resources.add(server);
		List<byte[]> onTheWire = new CopyOnWriteArrayList<>();
		RawConnection observer = NatsFixtures.raw(server.url(), "observer");
		resources.add(observer);
		Dispatcher d = observer.connection().createDispatcher(message -> {
			if (!message.getSubject().contains("._presence.")) {
				onTheWire.add(message.getData());
			}
		});
		d.subscribe("ipc.t.>");
		observer.connection().flush(Duration.ofSeconds(10));

		NatsTransport transport = NatsFixtures.open(NatsFixtures.options("vault", server.url()));
		resources.add(transport);
		IpcClient vault = IpcClient.builder().backend(transport).name("vault").build();
		resources.add(vault);
		List<TypedIncomingMessage<ItemChanged>> events = new CopyOnWriteArrayList<>();
		vault.subscribe(ItemChanged.class, events::add);
		vault.start();

		List<String> childLines = new CopyOnWriteArrayList<>();
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
				NatsPeerMain.class.getName(), server.url())
			.redirectErrorStream(true)
			.start();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					childLines.add(line);
				}
			}
			catch (java.io.IOException ex) {
				// the child ended
			}
		}, "nats-child-reader");
		reader.setDaemon(true);
		reader.start();

		await().atMost(Duration.ofSeconds(60)).until(() -> childLines.contains("READY"));
		await().atMost(Duration.ofSeconds(30)).until(() -> transport.reachableEndpoints().contains(WORKER));
		assertThat(vault.request(new Sum(20, 22), WORKER).get(30, TimeUnit.SECONDS)).isEqualTo(42);
		await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
		assertThat(events.get(0).payload()).isEqualTo(new ItemChanged("hello-from-child"));
		assertThat(events.get(0).source()).isEqualTo(new Source.Named("worker", NatsSources.BROKER_VOUCHED_USER));

		byte[] plaintext = "hello-from-child".getBytes(StandardCharsets.UTF_8);
		assertThat(onTheWire).isNotEmpty();
		for (byte[] data : onTheWire) {
			assertThat(NatsTransportTest.indexOf(data, plaintext)).as("plaintext on the broker").isEqualTo(-1);
		}

		CompletableFuture<String> pending = vault.request(new Slow("x"), WORKER, Duration.ofMinutes(10));
		await().atMost(Duration.ofSeconds(30)).until(() -> childLines.contains("SLOW"));
		child.destroyForcibly(); // no goodbye: the presence timeout notices
		assertThatThrownBy(() -> pending.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
			.hasCauseInstanceOf(IpcUnreachableException.class);
		assertThat(transport.reachableEndpoints()).doesNotContain(WORKER);
	}

}
