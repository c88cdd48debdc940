package dev.ipc.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientState;
import dev.ipc.event.IpcEventListener;
import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcRpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriber;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.Slow;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link IpcClientLifecycle}: late start, graceful drain within the grace
 * period, restart.
 */
class IpcClientLifecycleTest {

	private static final Endpoint VAULT = Endpoint.named("vault");

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus)
		.withBean(SlowHandlers.class);

	@Test
	void startsLateAndStopsEarly() {
		this.contextRunner.run((context) -> {
			IpcClientLifecycle lifecycle = context.getBean(IpcClientLifecycle.class);
			assertThat(lifecycle.getPhase()).isEqualTo(Integer.MAX_VALUE - 100);
			assertThat(lifecycle.isAutoStartup()).isTrue();
			assertThat(lifecycle.isRunning()).isTrue();
			assertThat(context.getBean(IpcRpcHandlerRegistry.class).isRunning()).isTrue();
		});
	}

	@Test
	void stopWaitsForAnInFlightRpcHandlerAndRefusesNewRequests() throws Exception {
		this.contextRunner.withPropertyValues("ipc.shutdown.grace-period=30s")
			.withBean(EventOrder.class)
			.withBean(BackendCloseGate.class)
			.run((context) -> {
				SlowHandlers handlers = context.getBean(SlowHandlers.class);
				IpcClient client = context.getBean(IpcClient.class);
				IpcClientLifecycle lifecycle = context.getBean(IpcClientLifecycle.class);
				BackendCloseGate gate = context.getBean(BackendCloseGate.class);
				EventOrder events = context.getBean(EventOrder.class);
				try (TestClients.Peer caller = TestClients.peer(this.bus, "caller")) {
					CompletableFuture<String> inFlight = caller.client().request(new Slow("first"), VAULT);
					assertThat(handlers.entered.await(5, TimeUnit.SECONDS)).isTrue();

					Thread closer = closeInBackground(context.getSourceApplicationContext());
					await().atMost(5, TimeUnit.SECONDS).until(() -> !lifecycle.isRunning());
					assertThat(closer.isAlive()).as("close waits for the handler").isTrue();
					assertThat(client.state()).as("still receiving while draining").isEqualTo(IpcClientState.RUNNING);

					CompletableFuture<String> late = caller.client().request(new Echo("late"), VAULT);
					ExecutionException refused = catchThrowableOfType(ExecutionException.class,
							() -> late.get(5, TimeUnit.SECONDS));
					assertThat(refused).cause()
						.isInstanceOf(RpcRemoteException.class)
						.hasMessageContaining("shutting down");

					handlers.release.countDown();
					await().atMost(5, TimeUnit.SECONDS).until(gate::closing);
					assertThat(events.order).as("the client stops only after the drained handler's reply was sent")
						.containsSubsequence("served test.slow SUCCESS", "state STOPPED");
					assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("done first");
					gate.open.countDown();
					closer.join(Duration.ofSeconds(5).toMillis());
					assertThat(closer.isAlive()).isFalse();
					assertThat(client.state()).isEqualTo(IpcClientState.CLOSED);
				}
			});
	}

	/** Records the order of the client's events. */
	static class EventOrder implements IpcEventListener {

		final List<String> order = new CopyOnWriteArrayList<>();

		@Override
		public void rpcServerCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
			this.order.add("served " + requestType + " " + outcome);
		}

		@Override
		public void stateChanged(IpcClientState state, Throwable cause) {
			this.order.add("state " + state);
		}

	}

	/**
	 * Keeps the transport open during close until the test lets it go: destroyed before
	 * the backend it depends on. Lets the caller read its reply before the vault
	 * disconnects (the core fails a caller's pending requests on disconnect even when
	 * their reply is already buffered).
	 */
	static class BackendCloseGate implements DisposableBean {

		final CountDownLatch open = new CountDownLatch(1);

		private volatile boolean closing;

		BackendCloseGate(CommunicationBackend backend) {
		}

		boolean closing() {
			return this.closing;
		}

		@Override
		public void destroy() throws InterruptedException {
			this.closing = true;
			this.open.await(10, TimeUnit.SECONDS);
		}

	}

	@Test
	void stopWaitsForAnInFlightSubscriber() throws Exception {
		this.contextRunner.run((context) -> {
			SlowHandlers handlers = context.getBean(SlowHandlers.class);
			IpcClientLifecycle lifecycle = context.getBean(IpcClientLifecycle.class);
			try (TestClients.Peer caller = TestClients.peer(this.bus, "caller")) {
				caller.client().send(new TestEvent("slow"), VAULT);
				assertThat(handlers.entered.await(5, TimeUnit.SECONDS)).isTrue();
				Thread closer = closeInBackground(context.getSourceApplicationContext());
				await().atMost(5, TimeUnit.SECONDS).until(() -> !lifecycle.isRunning());
				assertThat(closer.isAlive()).isTrue();
				assertThat(context.getBean(IpcSubscriberRegistry.class).getInFlightCount()).isEqualTo(1);
				handlers.release.countDown();
				closer.join(Duration.ofSeconds(5).toMillis());
				assertThat(closer.isAlive()).isFalse();
				assertThat(handlers.completed).hasValue(1);
			}
		});
	}

	@Test
	void stopGivesUpAfterTheGracePeriod() throws Exception {
		this.contextRunner.withPropertyValues("ipc.shutdown.grace-period=200ms").run((context) -> {
			SlowHandlers handlers = context.getBean(SlowHandlers.class);
			IpcClient client = context.getBean(IpcClient.class);
			try (TestClients.Peer caller = TestClients.peer(this.bus, "caller")) {
				CompletableFuture<String> stuck = caller.client().request(new Slow("stuck"), VAULT);
				assertThat(handlers.entered.await(5, TimeUnit.SECONDS)).isTrue();
				Thread closer = closeInBackground(context.getSourceApplicationContext());
				closer.join(Duration.ofSeconds(10).toMillis());
				assertThat(closer.isAlive()).as("close does not wait beyond the grace period").isFalse();
				assertThat(client.state()).isEqualTo(IpcClientState.CLOSED);
				assertThat(catchThrowableOfType(ExecutionException.class, () -> stuck.get(5, TimeUnit.SECONDS)))
					.as("the caller learns the peer went away")
					.isNotNull();
			}
			finally {
				handlers.release.countDown();
			}
		});
	}

	@Test
	void restartsAfterStop() {
		this.contextRunner.run((context) -> {
			ConfigurableApplicationContext application = context.getSourceApplicationContext();
			IpcClient client = context.getBean(IpcClient.class);
			application.stop();
			assertThat(client.state()).isEqualTo(IpcClientState.STOPPED);
			assertThat(client.rpcHandlerNames()).as("handlers unregistered while stopped").doesNotContain("test.echo");
			application.start();
			assertThat(client.state()).isEqualTo(IpcClientState.RUNNING);
			try (TestClients.Peer caller = TestClients.peer(this.bus, "caller")) {
				assertThat(caller.client().request(new Echo("again"), VAULT).get(5, TimeUnit.SECONDS))
					.isEqualTo("again");
			}
		});
	}

	@Test
	void theRunningClientKeepsTheJvmAliveUntilTheContextStopsOrCloses() {
		this.contextRunner.run((context) -> {
			ConfigurableApplicationContext application = context.getSourceApplicationContext();
			assertThat(keepAliveThreads()).singleElement().satisfies((t) -> assertThat(t.isDaemon()).isFalse());
			application.stop();
			await().atMost(Duration.ofSeconds(5)).until(() -> keepAliveThreads().isEmpty());
			application.start();
			assertThat(keepAliveThreads()).hasSize(1);
		});
		await().atMost(Duration.ofSeconds(5)).until(() -> keepAliveThreads().isEmpty());
	}

	@Test
	void keepAliveCanBeTurnedOff() {
		this.contextRunner.withPropertyValues("ipc.keep-alive=false").run((context) -> {
			assertThat(context.getBean(IpcClient.class).isRunning()).isTrue();
			assertThat(keepAliveThreads()).isEmpty();
		});
	}

	/** The keep-alive threads of this class's client ({@code ipc-vault}). */
	private static List<Thread> keepAliveThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((t) -> t.isAlive() && t.getName().equals("ipc-vault-keep-alive"))
			.toList();
	}

	private static Thread closeInBackground(ConfigurableApplicationContext context) {
		Thread closer = new Thread(context::close, "test-closer");
		closer.start();
		return closer;
	}

	static class SlowHandlers {

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		final java.util.concurrent.atomic.AtomicInteger completed = new java.util.concurrent.atomic.AtomicInteger();

		@IpcRpcHandler
		String slow(Slow request) throws InterruptedException {
			this.entered.countDown();
			this.release.await(30, TimeUnit.SECONDS);
			return "done " + request.id();
		}

		@IpcRpcHandler
		String echo(Echo request) {
			return request.text();
		}

		@IpcSubscriber
		void onEvent(TestEvent event) throws InterruptedException {
			this.entered.countDown();
			this.release.await(30, TimeUnit.SECONDS);
			this.completed.incrementAndGet();
		}

	}

}
