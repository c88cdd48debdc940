package dev.ipc.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.support.Fixtures.TestPayload;
import dev.ipc.testing.TestCommunicationBackend;

import static dev.ipc.support.Fixtures.BACKGROUND;
import static dev.ipc.support.Fixtures.WEB_SOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Bounded, independent subscription queues: overflow policy, callbacks, isolation from
 * slow subscribers.
 */
class SubscriptionTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private final TestCommunicationBackend backend = new TestCommunicationBackend();

	private final AtomicLong overflowEvents = new AtomicLong();

	private final IpcClient client = IpcClient.builder()
		.backend(backend)
		.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
		.subscriberQueueCapacity(3)
		.listener(new IpcEventListener() {
			@Override
			public void subscriberOverflow(String topic, long lost) {
				overflowEvents.addAndGet(lost);
			}
		})
		.build();

	@AfterEach
	void close() {
		client.close();
	}

	private static IncomingMessage message(int value, String topic) {
		return new IncomingMessage(new byte[] { (byte) value }, BACKGROUND, WEB_SOURCE, topic);
	}

	@Test
	void fullQueueDropsTheOldestAndCountsTheLoss() throws Exception {
		client.start();
		Subscription subscription = client.subscribe("t");
		for (int i = 1; i <= 5; i++) {
			backend.pushIncoming(message(i, "t"));
		}
		await().atMost(WAIT).until(() -> subscription.lostMessageCount() == 2);
		assertThat(subscription.receive(WAIT).payload()).containsExactly(3);
		assertThat(subscription.receive(WAIT).payload()).containsExactly(4);
		assertThat(subscription.receive(WAIT).payload()).containsExactly(5);
		assertThat(subscription.receive(Duration.ofMillis(20))).isNull();
		assertThat(overflowEvents.get()).isEqualTo(2);
	}

	@Test
	void aSlowListenerBlocksNeitherTheLoopNorOtherSubscribers() throws Exception {
		client.start();
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch slowStarted = new CountDownLatch(1);
		AtomicLong lostReported = new AtomicLong();
		List<Byte> slowSeen = new CopyOnWriteArrayList<>();
		client.subscribe("t", new MessageListener() {
			@Override
			public void onMessage(IncomingMessage message) throws Exception {
				slowStarted.countDown();
				release.await();
				slowSeen.add(message.payload()[0]);
			}

			@Override
			public void onMessagesLost(long count) {
				lostReported.addAndGet(count);
			}
		});
		Subscription fast = client.subscribe("t");
		backend.pushIncoming(message(0, "t"));
		assertThat(slowStarted.await(5, TimeUnit.SECONDS)).isTrue();
		for (int i = 1; i <= 10; i++) {
			backend.pushIncoming(message(i, "t"));
			assertThat(fast.receive(WAIT).payload()).containsExactly(i == 1 ? 0 : i - 1);
		}
		// fast.receive returning 9 does not mean the loop has delivered 10 yet; once fast
		// holds 10, so does the slow
		// subscription (it is offered first), and the release below cannot overtake it
		await().atMost(WAIT).until(() -> fast.size() == 1);
		release.countDown();
		await().atMost(WAIT).until(() -> slowSeen.size() == 4);
		// the slow listener saw the first message, then the three newest; it was told
		// about the seven it lost
		assertThat(slowSeen).containsExactly((byte) 0, (byte) 8, (byte) 9, (byte) 10);
		assertThat(lostReported.get()).isEqualTo(7);
	}

	@Test
	void listenerFailuresAreReportedAndDeliveryGoesOn() {
		client.start();
		List<Byte> seen = new CopyOnWriteArrayList<>();
		client.subscribe("t", message -> {
			if (message.payload()[0] == 1) {
				throw new IllegalStateException("boom");
			}
			seen.add(message.payload()[0]);
		});
		backend.pushIncoming(message(1, "t"));
		backend.pushIncoming(message(2, "t"));
		await().atMost(WAIT).until(() -> seen.contains((byte) 2));
	}

	@Test
	void typedListenerReceivesDecodedPayloads() {
		client.start();
		List<TypedIncomingMessage<TestPayload>> seen = new CopyOnWriteArrayList<>();
		client.subscribe(TestPayload.class, seen::add);
		backend.pushIncoming(new IncomingMessage(PayloadCodec.defaults().encode(new TestPayload("x")), BACKGROUND,
				WEB_SOURCE, "TestPayload"));
		await().atMost(WAIT).until(() -> seen.size() == 1);
		assertThat(seen.get(0).payload()).isEqualTo(new TestPayload("x"));
		assertThat(seen.get(0).source()).isEqualTo(WEB_SOURCE);
		assertThat(client.subscribedTopics()).containsExactly("TestPayload");
	}

	@Test
	void closedSubscriptionReceivesNothingMore() throws Exception {
		client.start();
		Subscription subscription = client.subscribe("t");
		subscription.close();
		backend.pushIncoming(message(1, "t"));
		assertThatThrownBy(subscription::receive).isInstanceOf(dev.ipc.spi.IpcClosedException.class);
		assertThat(client.subscribedTopics()).isEmpty();
	}

	@Test
	void requestsAreNeverDeliveredToSubscribers() throws Exception {
		client.start();
		Subscription all = client.subscribeAll();
		backend.pushIncoming(message(1, "RpcRequestMessage"));
		backend.pushIncoming(message(2, "after"));
		assertThat(all.receive(WAIT).topic()).isEqualTo("after");
	}

	@Test
	void reservedAndUndeclaredPayloadTypesAreRejected() {
		@dev.ipc.model.IpcPayload("RpcResponseMessage")
		record Reserved() {
		}
		record Undeclared() {
		}
		assertThatThrownBy(() -> client.subscribe(Reserved.class)).hasMessageContaining("reserved topic");
		assertThatThrownBy(() -> client.subscribe(Undeclared.class)).hasMessageContaining("@IpcPayload");
	}

}
