package dev.ipc.nats;

import static dev.ipc.nats.NatsFixtures.VAULT;
import static dev.ipc.nats.NatsFixtures.WORKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.nats.NatsFixtures.ItemChanged;
import dev.ipc.nats.NatsFixtures.Slow;
import dev.ipc.nats.NatsFixtures.Sum;
import dev.ipc.spi.IpcUnreachableException;

/** Server restarts and a three-node cluster losing the node a peer is on. */
class NatsReconnectTest {

	@TempDir
	Path dir;

	private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

	private final List<ItemChanged> events = new CopyOnWriteArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	private final CountDownLatch slowEntered = new CountDownLatch(1);

	private NatsTransport vaultTransport;

	private NatsTransport workerTransport;

	private IpcClient vault;

	private IpcClient worker;

	@AfterEach
	void closeAll() throws Exception {
		release.countDown();
		for (int i = resources.size() - 1; i >= 0; i--) {
			resources.get(i).close();
		}
	}

	private <T extends AutoCloseable> T keep(T resource) {
		resources.add(resource);
		return resource;
	}

	private void startClients(List<String> vaultServers, List<String> workerServers) {
		vaultTransport = keep(NatsFixtures.open(NatsFixtures.options("vault", vaultServers.toArray(new String[0]))));
		workerTransport = keep(NatsFixtures.open(NatsFixtures.options("worker", workerServers.toArray(new String[0]))));
		vault = keep(IpcClient.builder().backend(vaultTransport).name("vault").build());
		worker = keep(IpcClient.builder().backend(workerTransport).name("worker").build());
		vault.registerRpcHandler(Sum.class, (request, context) -> request.a() + request.b());
		vault.registerRpcHandler(Slow.class, (request, context) -> {
			slowEntered.countDown();
			release.await();
			return request.id();
		});
		vault.subscribe(ItemChanged.class, message -> events.add(message.payload()));
		vault.start();
		worker.start();
		awaitPeers();
	}

	private void awaitPeers() {
		await().atMost(Duration.ofSeconds(30))
			.until(() -> workerTransport.reachableEndpoints().contains(VAULT)
					&& vaultTransport.reachableEndpoints().contains(WORKER));
	}

	/**
	 * An RPC and a published event both get through (the subscription made at start is
	 * still there).
	 */
	private void assertTalking(String id) throws Exception {
		await().atMost(Duration.ofSeconds(30))
			.ignoreExceptions()
			.until(() -> worker.request(new Sum(2, 3), VAULT, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS) == 5);
		worker.send(new ItemChanged(id), VAULT);
		await().atMost(Duration.ofSeconds(30)).until(() -> events.contains(new ItemChanged(id)));
	}

	@Test
	void survivesAServerRestartAndFailsWhatWasInFlightWithATypedError() throws Exception {
		NatsServer server = keep(NatsServer.start(dir, NatsFixtures.authorization()));
		startClients(List.of(server.url()), List.of(server.url()));
		assertTalking("before");

		CompletableFuture<String> inFlight = worker.request(new Slow("x"), VAULT, Duration.ofMinutes(10));
		assertThat(slowEntered.await(30, TimeUnit.SECONDS)).isTrue();
		server.stop();
		assertThatThrownBy(() -> inFlight.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
			.hasCauseInstanceOf(IpcUnreachableException.class);
		await().atMost(Duration.ofSeconds(30)).until(() -> !workerTransport.isConnected());
		assertThat(workerTransport.lastConnectionProblem()).isPresent();
		assertThatThrownBy(() -> worker.send(new ItemChanged("lost"), VAULT))
			.isInstanceOf(IpcUnreachableException.class);
		release.countDown();

		server.startAgain();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> workerTransport.isConnected() && vaultTransport.isConnected());
		awaitPeers();
		assertTalking("after");
		assertThat(workerTransport.stats().reconnects()).isPositive();
		assertThat(events).doesNotContain(new ItemChanged("lost"));
	}

	@Test
	void aThreeNodeClusterCarriesPeersOnDifferentNodesAndSurvivesLosingTheNodeOfOne() throws Exception {
		int[] routes = { NatsServer.freePort(), NatsServer.freePort(), NatsServer.freePort() };
		int[] monitors = { NatsServer.freePort(), NatsServer.freePort(), NatsServer.freePort() };
		List<NatsServer> nodes = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			StringBuilder peers = new StringBuilder();
			for (int j = 0; j < 3; j++) {
				if (j != i) {
					peers.append(peers.length() == 0 ? "" : ", ")
						.append("\"nats-route://127.0.0.1:")
						.append(routes[j])
						.append("\"");
				}
			}
			String config = "server_name: node" + i + "\nhttp: 127.0.0.1:" + monitors[i] + "\ncluster {\n  name: ipc\n"
					+ "  listen: 127.0.0.1:" + routes[i] + "\n  routes: [ " + peers + "]\n}\n"
					+ NatsFixtures.authorization();
			nodes.add(keep(NatsServer.start(dir, config)));
		}
		HttpClient http = HttpClient.newHttpClient();
		for (int monitor : monitors) {
			await().atMost(Duration.ofSeconds(30))
				.ignoreExceptions()
				.until(() -> http
					.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitor + "/routez")).build(),
							HttpResponse.BodyHandlers.ofString())
					.body()
					.replace(" ", "")
					.contains("\"num_routes\":2"));
		}

		// the vault on node 0, the worker on node 1; each knows only its own node (the
		// others are discovered)
		startClients(List.of(nodes.get(0).url()), List.of(nodes.get(1).url()));
		assertThat(vaultTransport.connectedServer()).contains(nodes.get(0).url());
		assertThat(workerTransport.connectedServer()).contains(nodes.get(1).url());
		assertTalking("across nodes");

		nodes.get(1).kill(); // the worker's node vanishes
		await().atMost(Duration.ofSeconds(30))
			.until(() -> workerTransport.isConnected()
					&& !workerTransport.connectedServer().orElse(nodes.get(1).url()).equals(nodes.get(1).url()));
		awaitPeers();
		assertTalking("after the node died");
	}

}
