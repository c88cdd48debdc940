package dev.ipc.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.support.Fixtures.TestRequest;
import dev.ipc.support.Fixtures.TestResponse;
import dev.ipc.support.ProgrammableCryptoProvider;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Departures are processed in order with the messages (issue 9 items A3, A4, B6): a
 * departure fails only the requests pending on the connection that left, the crypto
 * provider hears of it after the peer's last message, and messages a full receive queue
 * loses are counted.
 */
class PeerDepartureTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Endpoint WORKER = Endpoint.named("worker");

	private static final Endpoint HOST = Endpoint.named("host");

	@IpcPayload("Held")
	record HeldRequest(int n) implements RpcRequest<Integer> {
	}

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final CountDownLatch releaseHandlers = new CountDownLatch(1);

	@AfterEach
	void close() throws Exception {
		releaseHandlers.countDown();
		for (int i = resources.size() - 1; i >= 0; i--) {
			resources.get(i).close();
		}
	}

	private IpcClient start(CommunicationBackend backend, ProgrammableCryptoProvider crypto,
			IpcEventListener... listeners) {
		IpcClientBuilder builder = IpcClient.builder()
			.name("worker")
			.backend(backend)
			.crypto(crypto, new InMemorySessionRepository<>())
			.defaultRpcTimeout(Duration.ofSeconds(60));
		for (IpcEventListener listener : listeners) {
			builder.listener(listener);
		}
		IpcClient client = builder.build();
		resources.add(client);
		client.start();
		return client;
	}

	/**
	 * A responder whose handlers answer only when {@code gate} opens; {@code running}
	 * counts the requests it got.
	 */
	private IpcClient responder(CommunicationBackend backend, CountDownLatch gate, CountDownLatch running) {
		IpcClient client = IpcClient.builder()
			.name("host")
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.build();
		resources.add(client);
		client.registerRpcHandler(HeldRequest.class, (request, context) -> {
			running.countDown();
			gate.await();
			return request.n();
		});
		client.registerRpcHandler(TestRequest.class, (request, context) -> {
			running.countDown();
			gate.await();
			return new TestResponse(request.a() + request.b());
		});
		client.start();
		return client;
	}

	@Test
	void aDepartureFailsOnlyTheRequestsPendingOnTheConnectionThatLeft() throws Exception {
		departureFailsOnlyTheRequestsPendingOnTheConnectionThatLeft(false);
	}

	@Test
	void withAReceiverThatTakesNoMarkersADepartureStillFailsOnlyTheRequestsPendingOnTheConnectionThatLeft()
			throws Exception {
		departureFailsOnlyTheRequestsPendingOnTheConnectionThatLeft(true);
	}

	private void departureFailsOnlyTheRequestsPendingOnTheConnectionThatLeft(boolean withoutMarkers) throws Exception {
		InMemoryBus bus = new InMemoryBus();
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider();
		CommunicationBackend workerBackend = bus.connect(WORKER);
		resources.add(workerBackend);
		IpcClient worker = start(withoutMarkers ? new WithoutMarkers(workerBackend) : workerBackend, crypto);

		// the first host gets a request it never answers, then leaves
		CommunicationBackend firstHost = bus.connect(HOST);
		CountDownLatch firstRunning = new CountDownLatch(1);
		responder(firstHost, releaseHandlers, firstRunning);
		CompletableFuture<Integer> onTheOldConnection = worker.request(new HeldRequest(1), HOST);
		assertThat(firstRunning.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		firstHost.close();

		// a restarted host takes the name at once and gets a request before the departure
		// has been processed
		CommunicationBackend secondHost = bus.connect(HOST);
		resources.add(secondHost);
		CountDownLatch answer = new CountDownLatch(1);
		CountDownLatch secondRunning = new CountDownLatch(1);
		responder(secondHost, answer, secondRunning);
		CompletableFuture<TestResponse> onTheNewConnection = worker.request(new TestRequest(2, 3), HOST);
		assertThat(secondRunning.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

		// the departure fails the request that was pending on the connection that left
		// ...
		await().atMost(WAIT).until(onTheOldConnection::isDone);
		assertThat(onTheOldConnection).failsWithin(Duration.ZERO)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(IpcUnreachableException.class);
		// ... and has been processed completely (the provider was told), without touching
		// the new request
		await().atMost(WAIT).until(() -> crypto.departed().contains(HOST) || onTheNewConnection.isDone());
		assertThat(onTheNewConnection).isNotDone();
		answer.countDown();
		assertThat(onTheNewConnection.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new TestResponse(5));
	}

	/**
	 * A backend whose receivers do not support {@link BackendReceiver#insertMarker} (the
	 * default).
	 */
	private record WithoutMarkers(CommunicationBackend delegate) implements CommunicationBackend {

		@Override
		public void send(OutgoingMessage message) {
			delegate.send(message);
		}

		@Override
		public BackendReceiver subscribe() {
			BackendReceiver rx = delegate.subscribe();
			return new BackendReceiver() {
				@Override
				public IncomingMessage receive() throws InterruptedException {
					return rx.receive();
				}

				@Override
				public IncomingMessage receive(Duration timeout) throws InterruptedException {
					return rx.receive(timeout);
				}

				@Override
				public void close() {
					rx.close();
				}
			};
		}

		@Override
		public void addDisconnectListener(java.util.function.Consumer<Endpoint> listener) {
			delegate.addDisconnectListener(listener);
		}

	}

	@Test
	void theProviderHearsOfADepartureOnlyAfterThePeersLastMessages() throws Exception {
		InMemoryBus bus = new InMemoryBus();
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider().holdReceives();
		CommunicationBackend workerBackend = bus.connect(WORKER);
		resources.add(workerBackend);
		start(workerBackend, crypto);
		CommunicationBackend host = bus.connect(HOST);
		for (int i = 1; i <= 3; i++) {
			host.send(new OutgoingMessage(new byte[] { '{', '}' }, WORKER, "t" + i));
		}
		host.close(); // while the worker's loop has not processed any of them
		crypto.releaseReceives();
		await().atMost(WAIT).until(() -> crypto.trace().contains("left:" + HOST));
		assertThat(crypto.trace()).containsExactly("recv:t1", "recv:t2", "recv:t3", "left:" + HOST);
	}

	@Test
	void aSendToARejoinedPeerWaitsUntilTheLoopHasHandledItsDeparture() throws Exception {
		InMemoryBus bus = new InMemoryBus();
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider().holdReceives();
		CommunicationBackend workerBackend = bus.connect(WORKER);
		resources.add(workerBackend);
		IpcClient worker = start(workerBackend, crypto);
		bus.connect(HOST).close(); // the departure is queued behind the held loop
		CommunicationBackend rejoined = bus.connect(HOST);
		resources.add(rejoined);
		Thread sender = new Thread(() -> worker.send(new OutgoingMessage(new byte[] { '{', '}' }, HOST, "hello")),
				"test-sender");
		sender.start();
		await().atMost(WAIT)
			.until(() -> crypto.trace().contains("send:hello") || sender.getState() == Thread.State.TIMED_WAITING
					|| sender.getState() == Thread.State.WAITING);
		crypto.releaseReceives();
		sender.join(WAIT.toMillis());
		assertThat(crypto.trace()).containsExactly("left:" + HOST, "send:hello");
	}

	@Test
	void aPeerThatLeavesWhileTheClientIsStoppedIsForgottenToo() throws Exception {
		InMemoryBus bus = new InMemoryBus();
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider();
		CommunicationBackend workerBackend = bus.connect(WORKER);
		resources.add(workerBackend);
		IpcClient worker = start(workerBackend, crypto);
		worker.stop();
		bus.connect(HOST).close();
		await().atMost(WAIT).until(() -> crypto.departed().contains(HOST));
	}

	@Test
	void messagesLostToAFullReceiveQueueAreCountedAsDrops() throws Exception {
		InMemoryBus bus = new InMemoryBus(4);
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider().holdReceives();
		List<DropReason> drops = new java.util.concurrent.CopyOnWriteArrayList<>();
		CommunicationBackend workerBackend = bus.connect(WORKER);
		resources.add(workerBackend);
		start(workerBackend, crypto, new IpcEventListener() {
			@Override
			public void messageDropped(DropReason reason, Endpoint peer) {
				drops.add(reason);
			}
		});
		CommunicationBackend host = bus.connect(HOST);
		resources.add(host);
		for (int i = 1; i <= 10; i++) {
			host.send(new OutgoingMessage(new byte[] { '{', '}' }, WORKER, "t" + i));
		}
		crypto.releaseReceives();
		await().atMost(WAIT).until(() -> crypto.trace().contains("recv:t10"));
		assertThat(drops).containsExactly(DropReason.RECEIVE_QUEUE_OVERFLOW, DropReason.RECEIVE_QUEUE_OVERFLOW,
				DropReason.RECEIVE_QUEUE_OVERFLOW, DropReason.RECEIVE_QUEUE_OVERFLOW, DropReason.RECEIVE_QUEUE_OVERFLOW,
				DropReason.RECEIVE_QUEUE_OVERFLOW);
		assertThat(crypto.trace()).containsExactly("recv:t7", "recv:t8", "recv:t9", "recv:t10");
	}

}
