package dev.ipc.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.codec.PayloadCodecException;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.support.Fixtures.TestPayload;
import dev.ipc.support.ProgrammableCryptoProvider;
import dev.ipc.testing.TestCommunicationBackend;

import static dev.ipc.support.Fixtures.BACKGROUND;
import static dev.ipc.support.Fixtures.WEB_SOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The reference's client tests (spec §7 items 1–14) and the life-cycle fixes of spec §8
 * items 1–2.
 */
class IpcClientTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private final TestCommunicationBackend backend = new TestCommunicationBackend();

	private final List<IpcClient> clients = new ArrayList<>();

	@AfterEach
	void closeClients() {
		clients.forEach(IpcClient::close);
	}

	private IpcClient client(ProgrammableCryptoProvider crypto) {
		IpcClient client = IpcClient.builder()
			.backend(backend)
			.crypto(crypto, new InMemorySessionRepository<>())
			.build();
		clients.add(client);
		return client;
	}

	private IpcClient plainClient() {
		IpcClient client = IpcClient.builder()
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.build();
		clients.add(client);
		return client;
	}

	private static IncomingMessage incoming(byte[] payload, String topic) {
		return new IncomingMessage(payload, BACKGROUND, WEB_SOURCE, topic);
	}

	// 1
	@Test
	void returnsSendErrorWhenCryptoProviderReturnsError() {
		IpcClient client = client(
				new ProgrammableCryptoProvider().failSends(new IpcException(ErrorKind.OTHER, "Crypto error")));
		client.start();
		assertThatThrownBy(() -> client.send(new OutgoingMessage(new byte[0], BACKGROUND, null)))
			.isInstanceOf(IpcException.class)
			.hasMessageContaining("Crypto error");
	}

	// 2
	@Test
	void communicationBackendHasOutgoingMessageWhenSendingThroughClient() {
		IpcClient client = plainClient();
		OutgoingMessage message = new OutgoingMessage(new byte[] { 1, 2, 3 }, BACKGROUND, "topic");
		client.send(message);
		assertThat(backend.outgoing()).containsExactly(message);
	}

	// 3
	@Test
	void returnsReceivedMessageWhenReceivedFromBackend() throws Exception {
		IpcClient client = plainClient();
		client.start();
		Subscription subscription = client.subscribeAll();
		IncomingMessage message = incoming(new byte[] { 1, 2, 3 }, "some-topic");
		backend.pushIncoming(message);
		assertThat(subscription.receive(WAIT)).isEqualTo(message);
	}

	// 4
	@Test
	void skipsNonMatchingTopicsAndReturnsFirstMatchingMessage() throws Exception {
		IpcClient client = plainClient();
		client.start();
		Subscription subscription = client.subscribe("matching_topic");
		backend.pushIncoming(incoming(new byte[] { 1 }, "non_matching_topic"));
		backend.pushIncoming(incoming(new byte[] { 2 }, "non_matching_topic"));
		IncomingMessage matching = incoming(new byte[] { 109 }, "matching_topic");
		backend.pushIncoming(matching);
		assertThat(subscription.receive(WAIT)).isEqualTo(matching);
		assertThat(subscription.size()).isZero();
	}

	// 5
	@Test
	void skipsUnrelatedMessagesAndReturnsTypedMessage() throws Exception {
		IpcClient client = plainClient();
		client.start();
		TypedSubscription<TestPayload> subscription = client.subscribe(TestPayload.class);
		backend.pushIncoming(incoming(new byte[] { 1 }, null));
		backend.pushIncoming(incoming(new byte[] { 2 }, null));
		TestPayload payload = new TestPayload("Hello, world!");
		backend.pushIncoming(incoming(PayloadCodec.defaults().encode(payload), "TestPayload"));
		TypedIncomingMessage<TestPayload> received = subscription.receive(WAIT);
		assertThat(received).isEqualTo(new TypedIncomingMessage<>(payload, BACKGROUND, WEB_SOURCE, "TestPayload"));
	}

	// 6
	@Test
	void returnsErrorIfRelatedMessageWasNotDeserializable() throws Exception {
		IpcClient client = plainClient();
		client.start();
		TypedSubscription<TestPayload> subscription = client.subscribe(TestPayload.class);
		backend.pushIncoming(incoming(new byte[0], "TestPayload"));
		assertThatThrownBy(() -> subscription.receive(WAIT)).isInstanceOf(PayloadCodecException.class);
		// the undecodable message was consumed; the next one is decoded normally
		backend.pushIncoming(incoming(PayloadCodec.defaults().encode(new TestPayload("ok")), "TestPayload"));
		assertThat(subscription.receive(WAIT).payload().some_data()).isEqualTo("ok");
	}

	// 7
	@Test
	void clientStopsIfCryptoReturnsFatalSendError() {
		IpcClient client = client(
				new ProgrammableCryptoProvider().failSends(new IpcException(ErrorKind.FATAL, "Crypto error")));
		client.start();
		assertThatThrownBy(() -> client.send(new OutgoingMessage(new byte[0], BACKGROUND, null)))
			.hasMessageContaining("Crypto error");
		assertThat(client.isRunning()).isFalse();
		assertThat(client.state()).isEqualTo(IpcClientState.STOPPED);
		assertThat(client.lastFatalError()).get().asString().contains("Crypto error");
	}

	// 8
	@Test
	void clientKeepsRunningIfCryptoReturnsRecoverableSendError() {
		IpcClient client = client(
				new ProgrammableCryptoProvider().failSends(new IpcException(ErrorKind.OTHER, "Crypto error")));
		client.start();
		assertThatThrownBy(() -> client.send(new OutgoingMessage(new byte[0], BACKGROUND, null)))
			.hasMessageContaining("Crypto error");
		assertThat(client.isRunning()).isTrue();
	}

	// 9
	@Test
	void clientStopsIfCryptoReturnsFatalReceiveError() {
		IpcClient client = client(
				new ProgrammableCryptoProvider().failReceives(new IpcException(ErrorKind.FATAL, "Crypto error")));
		client.start();
		await().atMost(WAIT).until(() -> !client.isRunning());
		assertThat(client.lastFatalError()).get().asString().contains("Crypto error");
	}

	// 10
	@Test
	void clientKeepsRunningIfCryptoReturnsRecoverableReceiveError() {
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider()
			.failReceives(new IpcException(ErrorKind.OTHER, "Crypto error"));
		IpcClient client = client(crypto);
		client.start();
		await().atMost(WAIT).until(() -> crypto.receiveCalls() >= 20);
		assertThat(client.isRunning()).isTrue();
		assertThat(client.lastFatalError()).isEmpty();
	}

	// 11
	@Test
	void clientIsNotRunningAfterStop() {
		IpcClient client = plainClient();
		client.start();
		client.stop();
		assertThat(client.isRunning()).isFalse();
		assertThat(client.state()).isEqualTo(IpcClientState.STOPPED);
		assertThat(backend.receiverCount()).as("the loop's receiver is closed").isZero();
	}

	// 12
	@Test
	void clientIsRunningIfNoErrorsAreEncountered() throws Exception {
		IpcClient client = plainClient();
		client.start();
		Subscription subscription = client.subscribe("ping");
		backend.pushIncoming(incoming(new byte[] { 1 }, "ping"));
		assertThat(subscription.receive(WAIT)).isNotNull();
		assertThat(client.isRunning()).isTrue();
		assertThat(client.lastFatalError()).isEmpty();
	}

	// 13
	@Test
	void clientIsNotRunningIfNotStarted() {
		IpcClient client = plainClient();
		assertThat(client.isRunning()).isFalse();
		assertThat(client.state()).isEqualTo(IpcClientState.NEW);
	}

	// 14
	@Test
	void startThrowsIfAlreadyRunning() {
		IpcClient client = plainClient();
		client.start();
		assertThat(client.isRunning()).isTrue();
		assertThatThrownBy(client::start).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("already running");
	}

	// spec §8 item 1: the reference's check-then-act start lets two concurrent starts
	// both pass
	@Test
	void concurrentStartsLetExactlyOneWin() throws Exception {
		IpcClient client = plainClient();
		int threads = 8;
		CyclicBarrier barrier = new CyclicBarrier(threads);
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<Boolean>> results = new ArrayList<>();
			for (int i = 0; i < threads; i++) {
				results.add(pool.submit(() -> {
					barrier.await();
					try {
						client.start();
						return true;
					}
					catch (IllegalStateException ex) {
						return false;
					}
				}));
			}
			int started = 0;
			for (Future<Boolean> result : results) {
				started += result.get(10, TimeUnit.SECONDS) ? 1 : 0;
			}
			assertThat(started).isEqualTo(1);
			assertThat(backend.receiverCount()).as("only one receive loop").isEqualTo(1);
		}
		finally {
			pool.shutdownNow();
		}
	}

	// spec §8 item 2: subscriptions are not dead after a stop and survive a restart
	@Test
	void subscriptionsSurviveRestart() throws Exception {
		IpcClient client = plainClient();
		Subscription subscription = client.subscribe("t");
		client.start();
		client.stop();
		Subscription afterStop = client.subscribe("t");
		client.start();
		IncomingMessage message = incoming(new byte[] { 7 }, "t");
		backend.pushIncoming(message);
		assertThat(subscription.receive(WAIT)).isEqualTo(message);
		assertThat(afterStop.receive(WAIT)).isEqualTo(message);
	}

	@Test
	void closeEndsSubscriptionsAfterTheyAreDrained() throws Exception {
		IpcClient client = plainClient();
		client.start();
		Subscription subscription = client.subscribe("t");
		IncomingMessage message = incoming(new byte[] { 7 }, "t");
		backend.pushIncoming(message);
		await().atMost(WAIT).until(() -> subscription.size() == 1);
		client.close();
		assertThat(subscription.receive()).isEqualTo(message);
		assertThatThrownBy(subscription::receive).isInstanceOf(IpcClosedException.class);
		assertThatThrownBy(() -> client.subscribe("t")).isInstanceOf(IpcClosedException.class);
		assertThatThrownBy(client::start).isInstanceOf(IpcClosedException.class);
		client.close();
		assertThat(client.state()).isEqualTo(IpcClientState.CLOSED);
	}

	@Test
	void clientCanBeRestartedAfterAFatalError() {
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider()
			.failSends(new IpcException(ErrorKind.FATAL, "Crypto error"));
		IpcClient client = client(crypto);
		client.start();
		assertThatThrownBy(() -> client.send(new OutgoingMessage(new byte[0], BACKGROUND, null)));
		assertThat(client.isRunning()).isFalse();
		crypto.failSends(null);
		client.start();
		assertThat(client.isRunning()).isTrue();
		assertThat(client.lastFatalError()).isEmpty();
	}

	@Test
	void closeStopsEveryThreadTheClientStarted() throws Exception {
		IpcClient client = IpcClient.builder()
			.name("threads-check")
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.build();
		CountDownLatch handled = new CountDownLatch(1);
		client.subscribe("t", message -> handled.countDown());
		client.start();
		backend.pushIncoming(incoming(new byte[] { 1 }, "t"));
		assertThat(handled.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(threadsNamed("threads-check")).isNotEmpty();
		client.close();
		await().atMost(WAIT).until(() -> threadsNamed("threads-check").isEmpty());
	}

	@Test
	void messagesAreEncryptedByDefault() throws Exception {
		dev.ipc.transport.memory.InMemoryBus bus = new dev.ipc.transport.memory.InMemoryBus();
		List<String> handshakes = new java.util.concurrent.CopyOnWriteArrayList<>();
		dev.ipc.event.IpcEventListener listener = new dev.ipc.event.IpcEventListener() {
			@Override
			public void handshakeCompleted(dev.ipc.model.Endpoint peer, String suite, boolean initiator, long nanos) {
				handshakes.add(suite);
			}
		};
		IpcClient a = IpcClient.builder()
			.backend(bus.connect(dev.ipc.model.Endpoint.named("a")))
			.listener(listener)
			.build();
		IpcClient b = IpcClient.builder().backend(bus.connect(dev.ipc.model.Endpoint.named("b"))).build();
		clients.add(a);
		clients.add(b);
		a.start();
		b.start();
		Subscription atB = b.subscribe("t");
		a.send(new OutgoingMessage(new byte[] { 1 }, dev.ipc.model.Endpoint.named("b"), "t"));
		assertThat(atB.receive(WAIT).payload()).containsExactly(1);
		assertThat(handshakes).containsExactly("Noise_NN_25519_AESGCM_SHA256");
	}

	private static List<String> threadsNamed(String prefix) {
		List<String> names = new ArrayList<>();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.getName().startsWith(prefix) && thread.isAlive()) {
				names.add(thread.getName());
			}
		}
		return names;
	}

}
