package dev.ipc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.support.Fixtures.TestHandler;
import dev.ipc.support.Fixtures.TestRequest;
import dev.ipc.support.Fixtures.TestResponse;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * Direct dispatch processes messages on the delivering thread when the receive loop is
 * idle, in order.
 */
class InlineDeliveryTest {

	// large enough that no receiver overflows (overflow drops the oldest by design)
	private final InMemoryBus bus = new InMemoryBus(1 << 16);

	private final List<AutoCloseable> resources = new ArrayList<>();

	@AfterEach
	void close() throws Exception {
		for (int i = resources.size() - 1; i >= 0; i--) {
			resources.get(i).close();
		}
	}

	private IpcClient client(String name) {
		CommunicationBackend backend = bus.connect(Endpoint.named(name));
		IpcClient client = IpcClient.builder()
			.name(name)
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.directDispatch(true)
			.subscriberQueueCapacity(10_000)
			.defaultRpcTimeout(Duration.ofSeconds(5))
			.build();
		resources.add(backend);
		resources.add(client);
		return client;
	}

	@Test
	void anRpcOverTheInMemoryBusCompletesOnTheCallersThread() throws Exception {
		IpcClient server = client("server");
		AtomicReference<Thread> handlerThread = new AtomicReference<>();
		server.registerRpcHandler(TestRequest.class, (request, context) -> {
			handlerThread.set(Thread.currentThread());
			return new TestHandler().handle(request, context);
		});
		server.start();
		IpcClient caller = client("caller");
		caller.start();

		var response = caller.request(new TestRequest(1, 2), Endpoint.named("server"));

		assertThat(response).isDone();
		assertThat(response.get()).isEqualTo(new TestResponse(3));
		assertThat(handlerThread.get()).isSameAs(Thread.currentThread());
	}

	@Test
	void messagesFromConcurrentSendersArriveCompleteAndInPerSenderOrder() throws Exception {
		IpcClient receiver = client("receiver");
		Map<Endpoint, List<Integer>> seen = new ConcurrentHashMap<>();
		receiver.subscribe("numbers",
				message -> seen.computeIfAbsent(message.source().toEndpoint(), k -> new CopyOnWriteArrayList<>())
					.add(Integer.parseInt(new String(message.payload()))));
		receiver.start();
		int senders = 4;
		int count = 2_000;
		List<Thread> threads = new ArrayList<>();
		for (int s = 0; s < senders; s++) {
			IpcClient sender = client("sender-" + s);
			sender.start();
			threads.add(new Thread(() -> {
				for (int i = 0; i < count; i++) {
					sender.send(
							new OutgoingMessage(Integer.toString(i).getBytes(), Endpoint.named("receiver"), "numbers"));
				}
			}));
		}
		threads.forEach(Thread::start);
		for (Thread thread : threads) {
			thread.join(TimeUnit.SECONDS.toMillis(20));
		}
		await().atMost(Duration.ofSeconds(10))
			.until(() -> seen.values().stream().mapToInt(List::size).sum() == senders * count);
		assertThat(seen).hasSize(senders);
		for (List<Integer> numbers : seen.values()) {
			List<Integer> expected = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				expected.add(i);
			}
			assertThat(numbers).isEqualTo(expected);
		}
	}

}
