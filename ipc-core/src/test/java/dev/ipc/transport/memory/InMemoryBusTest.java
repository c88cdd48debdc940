package dev.ipc.transport.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.client.IpcClient;
import dev.ipc.client.TypedSubscription;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.rpc.discover.DiscoverRequest;
import dev.ipc.rpc.discover.DiscoverResponse;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.support.Fixtures.TestHandler;
import dev.ipc.support.Fixtures.TestRequest;
import dev.ipc.support.Fixtures.TestResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two or more clients on one in-process bus: end-to-end pub/sub, RPC and Discover, and
 * the consumer scenarios of spec §7.
 */
class InMemoryBusTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final Endpoint VAULT = Endpoint.named("vault");

	private static final Endpoint WORKER = Endpoint.named("worker");

	private final InMemoryBus bus = new InMemoryBus();

	private final List<AutoCloseable> resources = new ArrayList<>();

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable resource : resources) {
			resource.close();
		}
	}

	private IpcClient client(Endpoint endpoint) {
		CommunicationBackend backend = bus.connect(endpoint);
		IpcClient client = IpcClient.builder()
			.name(endpoint.toString())
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.discoverable("1.2.3")
			.build();
		resources.add(client);
		resources.add(backend);
		client.start();
		return client;
	}

	@IpcPayload("vault.item-changed")
	record ItemChanged(String id, int revision) {
	}

	@IpcPayload("Slow")
	record SlowRequest(int n) implements RpcRequest<Integer> {
	}

	@Test
	void busStampsTheSendersSourceAndAddressesByEndpoint() throws Exception {
		CommunicationBackend a = bus.connect(new Source.Web(4, "doc", "https://vault.example"));
		CommunicationBackend b = bus.connect(Endpoint.DESKTOP_MAIN);
		resources.add(a);
		resources.add(b);
		BackendReceiver receiver = b.subscribe();
		a.send(new OutgoingMessage(new byte[] { 1 }, Endpoint.DESKTOP_MAIN, "t"));
		IncomingMessage received = receiver.receive(WAIT);
		assertThat(received.source()).isEqualTo(new Source.Web(4, "doc", "https://vault.example"));
		assertThat(received.destination()).isEqualTo(Endpoint.DESKTOP_MAIN);
		assertThat(bus.endpoints()).containsExactlyInAnyOrder(Endpoint.DESKTOP_MAIN, new Endpoint.Web(4, "doc"));
	}

	@Test
	void sendingToAnEndpointNobodyHoldsIsUnreachable() {
		IpcClient vault = client(VAULT);
		assertThatThrownBy(() -> vault.send(new OutgoingMessage(new byte[0], WORKER, "t")))
			.isInstanceOf(IpcUnreachableException.class);
		assertThat(vault.isRunning()).isTrue();
	}

	@Test
	void anEndpointCanBeConnectedOnlyOnce() {
		resources.add(bus.connect(VAULT));
		assertThatThrownBy(() -> bus.connect(VAULT)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("already connected");
	}

	@Test
	void typedPublishSubscribeBetweenTwoClients() throws Exception {
		IpcClient vault = client(VAULT);
		IpcClient worker = client(WORKER);
		TypedSubscription<ItemChanged> changes = vault.subscribe(ItemChanged.class);
		worker.send(new ItemChanged("item-1", 7), VAULT);
		TypedIncomingMessage<ItemChanged> received = changes.receive(WAIT);
		assertThat(received.payload()).isEqualTo(new ItemChanged("item-1", 7));
		assertThat(received.source()).isEqualTo(new Source.Named("worker"));
		assertThat(received.topic()).isEqualTo("vault.item-changed");
	}

	@Test
	void rpcAndDiscoverBetweenTwoClients() throws Exception {
		IpcClient vault = client(VAULT);
		IpcClient worker = client(WORKER);
		vault.registerRpcHandler(TestRequest.class, new TestHandler());
		assertThat(worker.request(new TestRequest(20, 22), VAULT).get(5, TimeUnit.SECONDS))
			.isEqualTo(new TestResponse(42));
		assertThat(worker.request(new DiscoverRequest(), VAULT).get(5, TimeUnit.SECONDS))
			.isEqualTo(new DiscoverResponse("1.2.3"));
		assertThat(vault.request(new DiscoverRequest(), WORKER).get(5, TimeUnit.SECONDS).version()).isEqualTo("1.2.3");
	}

	// consumer scenario (newer upstream): 12 concurrent requests each get their own
	// response
	@Test
	void twelveConcurrentRequestsEachGetTheirOwnAnswer() throws Exception {
		IpcClient vault = client(VAULT);
		IpcClient worker = client(WORKER);
		vault.registerRpcHandler(TestRequest.class, new TestHandler());
		List<CompletableFuture<TestResponse>> responses = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			responses.add(worker.request(new TestRequest(i, 1000), VAULT));
		}
		for (int i = 0; i < 12; i++) {
			assertThat(responses.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(i + 1000));
		}
	}

	// consumer scenario: concurrent requests of different types (biometrics status vs
	// unlock)
	@Test
	void concurrentRequestsOfDifferentTypes() throws Exception {
		IpcClient vault = client(VAULT);
		IpcClient worker = client(WORKER);
		vault.registerRpcHandler(TestRequest.class, new TestHandler());
		java.util.concurrent.CountDownLatch slowRunning = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
		vault.registerRpcHandler(SlowRequest.class, (request, context) -> {
			slowRunning.countDown();
			release.await();
			return request.n() * 2;
		});
		CompletableFuture<Integer> slow = worker.request(new SlowRequest(21), VAULT);
		assertThat(slowRunning.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(worker.request(new TestRequest(1, 2), VAULT).get(5, TimeUnit.SECONDS))
			.isEqualTo(new TestResponse(3));
		assertThat(worker.request(new DiscoverRequest(), VAULT).get(5, TimeUnit.SECONDS).version()).isEqualTo("1.2.3");
		release.countDown();
		assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo(42);
	}

	// consumer scenario (newer upstream): a request aborted after 300 ms rejects promptly
	// and the client keeps working
	@Test
	void abortedRequestRejectsPromptlyAndTheClientKeepsWorking() throws Exception {
		IpcClient vault = client(VAULT);
		IpcClient worker = client(WORKER);
		java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
		vault.registerRpcHandler(SlowRequest.class, (request, context) -> {
			release.await();
			return 0;
		});
		vault.registerRpcHandler(TestRequest.class, new TestHandler());
		CompletableFuture<Integer> aborted = worker.request(new SlowRequest(1), VAULT, Duration.ofMillis(300));
		assertThatThrownBy(() -> aborted.get(2, TimeUnit.SECONDS)).cause().isInstanceOf(RpcTimeoutException.class);
		assertThat(worker.isRunning()).isTrue();
		assertThat(worker.request(new TestRequest(1, 1), VAULT).get(5, TimeUnit.SECONDS))
			.isEqualTo(new TestResponse(2));
		release.countDown();
	}

	// consumer scenario (newer upstream): a send rejected as unreachable rejects the
	// request; the client keeps running
	@Test
	void unreachableRequestRejectsAndTheClientKeepsWorking() throws Exception {
		IpcClient vault = client(VAULT);
		IpcClient worker = client(WORKER);
		vault.registerRpcHandler(TestRequest.class, new TestHandler());
		CompletableFuture<TestResponse> unreachable = worker.request(new TestRequest(1, 1), Endpoint.DESKTOP_MAIN);
		assertThatThrownBy(() -> unreachable.get(5, TimeUnit.SECONDS)).cause()
			.isInstanceOf(IpcUnreachableException.class);
		assertThat(worker.isRunning()).isTrue();
		assertThat(worker.request(new TestRequest(1, 1), VAULT).get(5, TimeUnit.SECONDS))
			.isEqualTo(new TestResponse(2));
	}

	@Test
	void cancelledRequestDoesNotDisturbTheClient() throws Exception {
		IpcClient vault = client(VAULT);
		IpcClient worker = client(WORKER);
		java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
		vault.registerRpcHandler(SlowRequest.class, (request, context) -> {
			release.await();
			return 0;
		});
		vault.registerRpcHandler(TestRequest.class, new TestHandler());
		CompletableFuture<Integer> pending = worker.request(new SlowRequest(1), VAULT);
		pending.cancel(true);
		assertThat(pending).isCancelled();
		assertThat(worker.request(new TestRequest(1, 1), VAULT).get(5, TimeUnit.SECONDS))
			.isEqualTo(new TestResponse(2));
		release.countDown();
	}

	@IpcPayload("Outer")
	record OuterRequest(int n) implements RpcRequest<Integer> {
	}

	// handlers that block on a nested RPC must not starve the completion of that RPC
	@Test
	void handlersMayWaitForNestedRequests() throws Exception {
		IpcClient vault = client(VAULT);
		IpcClient worker = client(WORKER);
		worker.registerRpcHandler(TestRequest.class, new TestHandler());
		vault.registerRpcHandler(OuterRequest.class,
				(request, context) -> vault.request(new TestRequest(request.n(), 1), WORKER).join().result());
		List<CompletableFuture<Integer>> responses = new ArrayList<>();
		for (int i = 0; i < 32; i++) {
			responses.add(worker.request(new OuterRequest(i), VAULT));
		}
		for (int i = 0; i < 32; i++) {
			assertThat(responses.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
		}
	}

	// a reply sent just before the responder leaves must win over the departure notice
	@Test
	void aReplySentJustBeforeThePeerLeavesStillCompletesTheRequest() throws Exception {
		IpcClient worker = client(WORKER);
		for (int i = 0; i < 10; i++) {
			Endpoint responder = Endpoint.named("responder-" + i);
			CommunicationBackend backend = bus.connect(responder);
			java.util.concurrent.CountDownLatch replied = new java.util.concurrent.CountDownLatch(1);
			IpcClient client = IpcClient.builder()
				.backend(backend)
				.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
				.listener(new dev.ipc.event.IpcEventListener() {
					@Override
					public void messageSent(String topic, Endpoint destination, int payloadBytes) {
						replied.countDown();
					}
				})
				.build();
			resources.add(client);
			client.registerRpcHandler(TestRequest.class, new TestHandler());
			client.start();
			CompletableFuture<TestResponse> response = worker.request(new TestRequest(i, 1), responder);
			assertThat(replied.await(5, TimeUnit.SECONDS)).isTrue(); // the reply is on
																		// its way to the
																		// worker
			backend.close(); // and the responder leaves at once
			assertThat(response.get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(i + 1));
		}
	}

	@Test
	void pendingRequestsFailPromptlyWhenTheirPeerDisconnects() throws Exception {
		CommunicationBackend vaultBackend = bus.connect(VAULT);
		IpcClient vault = IpcClient.builder()
			.backend(vaultBackend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.build();
		resources.add(vault);
		vault.start();
		java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
		vault.registerRpcHandler(SlowRequest.class, (request, context) -> {
			running.countDown();
			release.await();
			return 0;
		});
		IpcClient worker = client(WORKER);
		CompletableFuture<Integer> pending = worker.request(new SlowRequest(1), VAULT, Duration.ofMinutes(1));
		assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
		vaultBackend.close();
		assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause()
			.isInstanceOf(IpcUnreachableException.class)
			.isNotInstanceOf(RpcTimeoutException.class);
		release.countDown();
	}

}
