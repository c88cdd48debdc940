package dev.ipc.nats;

import static dev.ipc.nats.NatsFixtures.VAULT;
import static dev.ipc.nats.NatsFixtures.WORKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.nats.client.Dispatcher;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.nats.NatsFixtures.ItemChanged;
import dev.ipc.nats.NatsFixtures.RawConnection;
import dev.ipc.nats.NatsFixtures.Slow;
import dev.ipc.nats.NatsFixtures.Sum;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.rpc.discover.DiscoverRequest;
import dev.ipc.spi.IpcUnreachableException;

/** The core's features over a real nats-server, Noise on, with generated permissions. */
class NatsTransportTest {

	@TempDir
	Path dir;

	private NatsServer server;

	private NatsTransport vaultTransport;

	private NatsTransport workerTransport;

	private IpcClient vault;

	private IpcClient worker;

	private final List<Source> rpcSources = new CopyOnWriteArrayList<>();

	private final List<TypedIncomingMessage<ItemChanged>> events = new CopyOnWriteArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	private final CountDownLatch slowEntered = new CountDownLatch(1);

	@BeforeEach
	void start() {
		server = NatsServer.start(dir, NatsFixtures.authorization());
		vaultTransport = NatsFixtures.open(NatsFixtures.options("vault", server.url()));
		workerTransport = NatsFixtures.open(NatsFixtures.options("worker", server.url()));
		vault = IpcClient.builder().backend(vaultTransport).name("vault").discoverable("1.2.3").build();
		worker = IpcClient.builder().backend(workerTransport).name("worker").build();
		vault.registerRpcHandler(Sum.class, (request, context) -> {
			rpcSources.add(context.source());
			return request.a() + request.b();
		});
		vault.registerRpcHandler(Slow.class, (request, context) -> {
			slowEntered.countDown();
			release.await();
			return request.id();
		});
		vault.subscribe(ItemChanged.class, events::add);
		vault.start();
		worker.start();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> workerTransport.reachableEndpoints().contains(VAULT)
					&& vaultTransport.reachableEndpoints().contains(WORKER));
	}

	@AfterEach
	void stop() {
		release.countDown();
		worker.close();
		vault.close();
		workerTransport.close();
		vaultTransport.close();
		server.close();
	}

	@Test
	void pubSubRpcAndDiscoverWorkWithSourcesTheBrokerVouchesFor() throws Exception {
		worker.send(new ItemChanged("42"), VAULT);
		assertThat(worker.request(new Sum(1, 2), VAULT).get(30, TimeUnit.SECONDS)).isEqualTo(3);
		assertThat(worker.request(new DiscoverRequest(), VAULT).get(30, TimeUnit.SECONDS).version()).isEqualTo("1.2.3");

		await().atMost(Duration.ofSeconds(20)).until(() -> !events.isEmpty());
		Source expected = new Source.Named("worker", NatsSources.BROKER_VOUCHED_USER);
		assertThat(events.get(0).payload()).isEqualTo(new ItemChanged("42"));
		assertThat(events.get(0).source()).isEqualTo(expected);
		assertThat(rpcSources).containsExactly(expected);
		assertThat(NatsSources.isBrokerVouched(rpcSources.get(0))).isTrue();
		assertThat(vaultTransport.stats().messagesReceived()).isPositive();
		assertThat(vaultTransport.connectedServer()).contains(server.url());
		assertThat(vaultTransport.roundTripTime()).isPresent();
	}

	@Test
	void theBrokerSeesOnlyCiphertext() throws Exception {
		List<byte[]> seen = new CopyOnWriteArrayList<>();
		try (RawConnection observer = NatsFixtures.raw(server.url(), "observer")) {
			Dispatcher d = observer.connection().createDispatcher(message -> {
				if (message.getSubject().equals("ipc.t.vault.worker")) {
					seen.add(message.getData());
				}
			});
			d.subscribe("ipc.t.>");
			observer.connection().flush(Duration.ofSeconds(10));
			String secret = "plaintext-marker-7731";
			worker.send(new ItemChanged(secret), VAULT);
			assertThat(worker.request(new Slow(secret), VAULT, Duration.ofSeconds(30)).isDone()).isFalse();
			release.countDown();
			await().atMost(Duration.ofSeconds(20)).until(() -> events.size() == 1 && seen.size() >= 2);
			byte[] marker = secret.getBytes(StandardCharsets.UTF_8);
			for (byte[] data : seen) {
				assertThat(indexOf(data, marker)).as("plaintext on the broker").isEqualTo(-1);
			}
		}
	}

	@Test
	void sendToAnAbsentEndpointFailsFastAsUnreachable() {
		Endpoint nobody = Endpoint.named("nobody");
		assertThatThrownBy(() -> worker.send(new ItemChanged("1"), nobody)).isInstanceOf(IpcUnreachableException.class);
		CompletableFuture<Integer> call = worker.request(new Sum(1, 1), nobody, Duration.ofMinutes(10));
		assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
			.hasCauseInstanceOf(IpcUnreachableException.class);
		assertThat(workerTransport.stats().sendsRefused()).isPositive();
	}

	@Test
	void aPendingRpcFailsPromptlyWhenItsPeerLeaves() throws Exception {
		CompletableFuture<String> call = worker.request(new Slow("x"), VAULT, Duration.ofMinutes(10));
		assertThat(slowEntered.await(30, TimeUnit.SECONDS)).isTrue();
		vaultTransport.close(); // says goodbye
		assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
			.hasCauseInstanceOf(IpcUnreachableException.class);
		await().atMost(Duration.ofSeconds(20)).until(() -> !workerTransport.reachableEndpoints().contains(VAULT));
	}

	@Test
	void anRpcTimesOut() {
		CompletableFuture<String> call = worker.request(new Slow("late"), VAULT, Duration.ofMillis(300));
		assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
			.hasCauseInstanceOf(RpcTimeoutException.class);
	}

	static int indexOf(byte[] data, byte[] needle) {
		outer: for (int i = 0; i <= data.length - needle.length; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (data[i + j] != needle[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

}
