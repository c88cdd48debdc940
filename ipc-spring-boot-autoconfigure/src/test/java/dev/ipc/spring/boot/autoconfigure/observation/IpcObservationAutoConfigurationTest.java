package dev.ipc.spring.boot.autoconfigure.observation;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.observation.IpcObserver;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.metrics.IpcMetricsAutoConfiguration;
import dev.ipc.spring.observation.DefaultIpcRpcServerObservationConvention;
import dev.ipc.spring.observation.IpcReceiveContext;
import dev.ipc.spring.observation.IpcRpcClientContext;
import dev.ipc.spring.observation.IpcRpcServerContext;
import dev.ipc.spring.observation.IpcRpcServerObservationConvention;
import dev.ipc.spring.observation.IpcSendContext;
import dev.ipc.spring.observation.MicrometerIpcObserver;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.Fail;
import dev.ipc.spring.test.TestPayloads.Slow;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link IpcObservationAutoConfiguration}: the observations made for RPCs,
 * sends and receives, their conventions, and the RPC timers made from them.
 */
class IpcObservationAutoConfigurationTest {

	private static final Endpoint VAULT = Endpoint.named("vault");

	private static final Endpoint WORKER = Endpoint.named("worker");

	private final InMemoryBus bus = new InMemoryBus();

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	/** The contexts of the observations started so far, in order. */
	private final List<Observation.Context> started = new CopyOnWriteArrayList<>();

	/** The contexts of the observations stopped so far, in order. */
	private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

	{
		this.observations.observationConfig().observationHandler(new ObservationHandler<>() {
			@Override
			public void onStart(Observation.Context context) {
				IpcObservationAutoConfigurationTest.this.started.add(context);
			}

			@Override
			public void onStop(Observation.Context context) {
				IpcObservationAutoConfigurationTest.this.stopped.add(context);
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}
		});
	}

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, IpcObservationAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus);

	@Test
	void withoutAnObservationRegistryNothingIsObserved() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed()
			.hasSingleBean(IpcClient.class)
			.doesNotHaveBean(IpcObserver.class));
	}

	@Test
	void anRpcAnsweredIsObservedWithTheRequestAndItsOutcome() {
		this.contextRunner.withBean(ObservationRegistry.class, () -> this.observations)
			.withBean(Handlers.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(MicrometerIpcObserver.class);
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					assertThat(worker.client().request(new Echo("hi"), VAULT).get(5, TimeUnit.SECONDS)).isEqualTo("hi");
					catchThrowableOfType(ExecutionException.class,
							() -> worker.client().request(new Fail("x"), VAULT).get(5, TimeUnit.SECONDS));
					await().atMost(5, TimeUnit.SECONDS).until(() -> this.stopped.size() >= 2);
				}
				TestObservationRegistryAssert.assertThat(this.observations)
					.hasHandledContextsThatSatisfy((contexts) -> assertThat(contexts).hasSize(2))
					.hasObservationWithNameEqualTo("ipc.rpc.server")
					.that()
					.hasBeenStarted()
					.hasBeenStopped()
					.hasContextualNameEqualTo("test.echo process")
					.hasLowCardinalityKeyValue("request", "test.echo")
					.hasLowCardinalityKeyValue("outcome", "SUCCESS")
					.hasHighCardinalityKeyValue("ipc.peer", "worker")
					.doesNotHaveError();
				assertThat(this.stopped)
					.filteredOn((c) -> "HANDLER_ERROR".equals(c.getLowCardinalityKeyValue("outcome").getValue()))
					.singleElement()
					.satisfies((c) -> {
						assertThat(c).isInstanceOf(IpcRpcServerContext.class);
						assertThat(c.getLowCardinalityKeyValue("request").getValue()).isEqualTo("test.fail");
						assertThat(c.getError()).isInstanceOf(IllegalStateException.class);
					});
			});
	}

	@Test
	void anRpcSentIsObservedAsAChildOfTheCallersObservationAndCarriesItsContext() {
		this.contextRunner.withBean(ObservationRegistry.class, () -> this.observations).run((context) -> {
			IpcClient vault = context.getBean(IpcClient.class);
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				Observation parent = Observation.start("caller", this.observations);
				try (Observation.Scope scope = parent.openScope()) {
					catchThrowableOfType(ExecutionException.class,
							() -> vault.request(new Echo("x"), WORKER).get(5, TimeUnit.SECONDS));
				}
				parent.stop();
			}
			await().atMost(5, TimeUnit.SECONDS)
				.until(() -> this.stopped.stream().anyMatch(IpcRpcClientContext.class::isInstance));
			TestObservationRegistryAssert.assertThat(this.observations)
				.hasObservationWithNameEqualTo("ipc.rpc.client")
				.that()
				.hasBeenStopped()
				.hasLowCardinalityKeyValue("request", "test.echo")
				.hasLowCardinalityKeyValue("outcome", "REMOTE_ERROR")
				.hasHighCardinalityKeyValue("ipc.peer", "worker")
				.hasParentObservationContextMatching((parent) -> parent.getName().equals("caller"))
				.assertThatError()
				.isInstanceOf(dev.ipc.rpc.RpcRemoteException.class);
		});
	}

	@Test
	void aSendAndASubscriberReceivingAreObserved() {
		this.contextRunner.withBean(ObservationRegistry.class, () -> this.observations)
			.withBean(Handlers.class)
			.run((context) -> {
				IpcClient vault = context.getBean(IpcClient.class);
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					vault.send(new TestEvent("out"), WORKER);
					worker.client().send(new TestEvent("in"), VAULT);
					await().atMost(5, TimeUnit.SECONDS)
						.until(() -> this.stopped.stream().anyMatch(IpcReceiveContext.class::isInstance));
				}
				assertThat(this.stopped).filteredOn(IpcSendContext.class::isInstance).singleElement().satisfies((c) -> {
					assertThat(c.getName()).isEqualTo("ipc.send");
					assertThat(c.getLowCardinalityKeyValues())
						.containsExactly(io.micrometer.common.KeyValue.of("topic", "test.event"));
				});
				TestObservationRegistryAssert.assertThat(this.observations)
					.hasObservationWithNameEqualTo("ipc.receive")
					.that()
					.hasBeenStopped()
					.hasLowCardinalityKeyValue("topic", "test.event")
					.hasLowCardinalityKeyValue("subscriber", "events")
					.hasHighCardinalityKeyValue("ipc.peer", "worker");
			});
	}

	@Test
	void aConventionBeanReplacesTheDefault() {
		this.contextRunner.withBean(ObservationRegistry.class, () -> this.observations)
			.withBean(Handlers.class)
			.withBean(IpcRpcServerObservationConvention.class, () -> new DefaultIpcRpcServerObservationConvention() {
				@Override
				public KeyValues getLowCardinalityKeyValues(IpcRpcServerContext context) {
					return super.getLowCardinalityKeyValues(context).and("team", "vault");
				}
			})
			.run((context) -> {
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					worker.client().request(new Echo("hi"), VAULT).get(5, TimeUnit.SECONDS);
				}
				await().atMost(5, TimeUnit.SECONDS).until(() -> !this.stopped.isEmpty());
				TestObservationRegistryAssert.assertThat(this.observations)
					.hasObservationWithNameEqualTo("ipc.rpc.server")
					.that()
					.hasLowCardinalityKeyValue("team", "vault")
					.hasLowCardinalityKeyValue("request", "test.echo");
			});
	}

	@Test
	void anObserverBeanOfTheApplicationReplacesTheMicrometerOne() {
		IpcObserver mine = new IpcObserver() {
		};
		this.contextRunner.withBean(ObservationRegistry.class, () -> this.observations)
			.withBean(IpcObserver.class, () -> mine)
			.run((context) -> assertThat(context).doesNotHaveBean(MicrometerIpcObserver.class)
				.getBean(IpcObserver.class)
				.isSameAs(mine));
	}

	@Test
	void theRpcTimersAreMadeFromTheObservationsOnly() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, IpcObservationAutoConfiguration.class,
					IpcMetricsAutoConfiguration.class, ObservationAutoConfiguration.class,
					MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class))
			.withPropertyValues(TestClients.IN_MEMORY)
			.withPropertyValues("ipc.endpoint=vault", "management.metrics.use-global-registry=false")
			.withBean(InMemoryBus.class, () -> this.bus)
			.withBean(Handlers.class)
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					assertThat(worker.client().request(new Echo("hi"), VAULT).get(5, TimeUnit.SECONDS)).isEqualTo("hi");
					catchThrowableOfType(ExecutionException.class,
							() -> context.getBean(IpcClient.class)
								.request(new Echo("x"), WORKER)
								.get(5, TimeUnit.SECONDS));
				}
				await().atMost(5, TimeUnit.SECONDS)
					.until(() -> registry.find("ipc.rpc.server").timer() != null
							&& registry.find("ipc.rpc.client").timer() != null);
				Timer served = registry.get("ipc.rpc.server")
					.tags("request", "test.echo", "outcome", "SUCCESS")
					.timer();
				assertThat(served.count()).as("timed once, by the observation").isEqualTo(1);
				assertThat(served.getId().getTag("error")).isEqualTo("none");
				assertThat(registry.find("ipc.rpc.server").timers()).hasSize(1);
				Timer sent = registry.get("ipc.rpc.client")
					.tags("request", "test.echo", "outcome", "REMOTE_ERROR")
					.timer();
				assertThat(sent.count()).isEqualTo(1);
				assertThat(sent.getId().getTag("error")).isEqualTo("RpcRemoteException");
				assertThat(registry.get("ipc.messages.sent").tag("topic", "RpcResponseMessage").counter().count())
					.as("the other ipc.* meters are unchanged")
					.isEqualTo(1);
			});
	}

	@Test
	void aHandlerQueuedByAConcurrencyLimitStillRunsInItsRpcsObservation() {
		CountDownLatch release = new CountDownLatch(1);
		this.contextRunner.withBean(ObservationRegistry.class, () -> this.observations)
			.withPropertyValues("ipc.rpc.concurrency=1")
			.withBean(SlowHandlers.class, () -> new SlowHandlers(this.observations, release))
			.run((context) -> {
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					CompletableFuture<String> first = worker.client().request(new Slow("a"), VAULT);
					CompletableFuture<String> second = worker.client().request(new Slow("b"), VAULT);
					// both RPCs arrived; the second waits for the first's permit and will
					// run on another thread
					await().atMost(5, TimeUnit.SECONDS)
						.until(() -> this.started.stream().filter(IpcRpcServerContext.class::isInstance).count() == 2);
					release.countDown();
					assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("a");
					assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("b");
				}
				await().atMost(5, TimeUnit.SECONDS)
					.until(() -> this.stopped.stream().filter((c) -> "handler.work".equals(c.getName())).count() == 2);
				assertThat(this.stopped).filteredOn((c) -> "handler.work".equals(c.getName()))
					.allSatisfy((work) -> assertThat(work.getParentObservation()).isNotNull()
						.satisfies((parent) -> assertThat(parent.getContextView())
							.isInstanceOf(IpcRpcServerContext.class)));
			});
	}

	static class SlowHandlers {

		private final ObservationRegistry registry;

		private final CountDownLatch release;

		SlowHandlers(ObservationRegistry registry, CountDownLatch release) {
			this.registry = registry;
			this.release = release;
		}

		@IpcRpcHandler
		String slow(Slow slow) throws InterruptedException {
			if ("a".equals(slow.id()) && !this.release.await(10, TimeUnit.SECONDS)) {
				throw new IllegalStateException("not released");
			}
			return Observation.createNotStarted("handler.work", this.registry).observe(slow::id);
		}

	}

	static class Handlers {

		@IpcSubscriber(id = "events", sources = "worker")
		void on(TestEvent event) {
		}

		@IpcRpcHandler
		String echo(Echo echo) {
			return echo.text();
		}

		@IpcRpcHandler
		String fail(Fail fail) {
			throw new IllegalStateException("boom");
		}

	}

}
