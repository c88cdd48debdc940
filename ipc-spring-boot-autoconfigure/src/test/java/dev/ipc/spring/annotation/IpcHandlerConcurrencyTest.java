package dev.ipc.spring.annotation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.ipc.model.Endpoint;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.OtherEvent;
import dev.ipc.spring.test.TestPayloads.Slow;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the {@code concurrency} of annotated handlers.
 */
class IpcHandlerConcurrencyTest {

	private static final Endpoint VAULT = Endpoint.named("vault");

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault", "ipc.subscriber.queue-capacity=1000")
		.withBean(InMemoryBus.class, () -> this.bus)
		.withBean(ConcurrentHandlers.class);

	@Test
	void subscriberWithConcurrencyTwoHandlesTwoMessagesAtOnce() {
		this.contextRunner.run((context) -> {
			ConcurrentHandlers handlers = context.getBean(ConcurrentHandlers.class);
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				for (int i = 0; i < 3; i++) {
					worker.client().send(new TestEvent("e" + i), VAULT);
				}
				// both permits are taken only if two messages are handled at once
				assertThat(handlers.twoInside.await(5, TimeUnit.SECONDS)).isTrue();
				assertThat(handlers.maxParallel).hasValue(2);
				handlers.release.countDown();
				await().atMost(5, TimeUnit.SECONDS).until(() -> handlers.parallelDone.get() == 3);
				assertThat(handlers.maxParallel).as("never more than the concurrency").hasValue(2);
			}
		});
	}

	@Test
	void subscriberDefaultsToOneAtATimeInArrivalOrder() {
		this.contextRunner.run((context) -> {
			ConcurrentHandlers handlers = context.getBean(ConcurrentHandlers.class);
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				List<Integer> sent = new ArrayList<>();
				for (int i = 0; i < 50; i++) {
					worker.client().send(new OtherEvent(i), VAULT);
					sent.add(i);
				}
				await().atMost(5, TimeUnit.SECONDS).until(() -> handlers.serial.size() == 50);
				assertThat(handlers.serial).containsExactlyElementsOf(sent);
				assertThat(handlers.maxSerial).hasValue(1);
			}
		});
	}

	@Test
	void rpcHandlerWithConcurrencyOneQueuesFurtherRequests() {
		this.contextRunner.run((context) -> {
			ConcurrentHandlers handlers = context.getBean(ConcurrentHandlers.class);
			IpcRpcHandlerRegistry registry = context.getBean(IpcRpcHandlerRegistry.class);
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				CompletableFuture<String> first = worker.client().request(new Slow("1"), VAULT);
				assertThat(handlers.slowEntered.await(5, TimeUnit.SECONDS)).isTrue();
				CompletableFuture<String> second = worker.client().request(new Slow("2"), VAULT);
				// the second request reached the registry, but waits for the permit the
				// first one holds
				await().atMost(5, TimeUnit.SECONDS).until(() -> registry.getInFlightCount() == 2);
				assertThat(handlers.slowCalls).hasValue(1);
				handlers.slowRelease.countDown();
				assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("1");
				assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("2");
				assertThat(handlers.slowCalls).hasValue(2);
				assertThat(handlers.maxSlow).hasValue(1);
			}
		});
	}

	static class ConcurrentHandlers {

		final CountDownLatch twoInside = new CountDownLatch(2);

		final CountDownLatch release = new CountDownLatch(1);

		final AtomicInteger parallel = new AtomicInteger();

		final AtomicInteger maxParallel = new AtomicInteger();

		final AtomicInteger parallelDone = new AtomicInteger();

		final List<Integer> serial = new CopyOnWriteArrayList<>();

		final AtomicInteger inSerial = new AtomicInteger();

		final AtomicInteger maxSerial = new AtomicInteger();

		final CountDownLatch slowEntered = new CountDownLatch(1);

		final CountDownLatch slowRelease = new CountDownLatch(1);

		final AtomicInteger slowCalls = new AtomicInteger();

		final AtomicInteger inSlow = new AtomicInteger();

		final AtomicInteger maxSlow = new AtomicInteger();

		@IpcSubscriber(concurrency = "2")
		void parallel(TestEvent event) throws InterruptedException {
			this.maxParallel.accumulateAndGet(this.parallel.incrementAndGet(), Math::max);
			this.twoInside.countDown();
			this.release.await(10, TimeUnit.SECONDS);
			this.parallel.decrementAndGet();
			this.parallelDone.incrementAndGet();
		}

		@IpcSubscriber
		void serial(OtherEvent event) {
			this.maxSerial.accumulateAndGet(this.inSerial.incrementAndGet(), Math::max);
			this.serial.add(event.value());
			this.inSerial.decrementAndGet();
		}

		@IpcRpcHandler(concurrency = "1")
		String slow(Slow request) throws InterruptedException {
			this.slowCalls.incrementAndGet();
			this.maxSlow.accumulateAndGet(this.inSlow.incrementAndGet(), Math::max);
			this.slowEntered.countDown();
			this.slowRelease.await(10, TimeUnit.SECONDS);
			this.inSlow.decrementAndGet();
			return request.id();
		}

	}

}
