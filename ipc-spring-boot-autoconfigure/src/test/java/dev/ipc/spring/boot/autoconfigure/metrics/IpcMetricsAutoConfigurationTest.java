package dev.ipc.spring.boot.autoconfigure.metrics;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.OtherEvent;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link IpcMetricsAutoConfiguration}.
 */
class IpcMetricsAutoConfigurationTest {

	private static final Endpoint VAULT = Endpoint.named("vault");

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, IpcMetricsAutoConfiguration.class,
				MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault", "management.metrics.use-global-registry=false")
		.withBean(InMemoryBus.class, () -> this.bus);

	@Test
	@SuppressWarnings("try")
	void runShouldBindGauges() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(IpcMetrics.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("ipc.client.running").gauge().value()).isEqualTo(1);
			assertThat(registry.get("ipc.peers.connected").gauge().value()).isZero();
			assertThat(registry.get("ipc.sessions.active").gauge().value()).isZero();
			assertThat(registry.get("ipc.handlers.active").gauge().value()).isZero();
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(registry.get("ipc.peers.connected").gauge().value()).isEqualTo(1);
			}
		});
	}

	@Test
	void runWithoutMeterRegistryShouldNotCreateMetrics() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, IpcMetricsAutoConfiguration.class))
			.withPropertyValues(TestClients.IN_MEMORY)
			.withPropertyValues("ipc.endpoint=vault")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(IpcMetrics.class));
	}

	@Test
	void runWithoutMicrometerOnTheClassPathShouldNotCreateMetrics() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, IpcMetricsAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("io.micrometer.core"))
			.withPropertyValues(TestClients.IN_MEMORY)
			.withPropertyValues("ipc.endpoint=vault")
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(IpcClient.class)
				.doesNotHaveBean(IpcMetrics.class));
	}

	@Test
	void runWithoutClientShouldNotCreateMetrics() {
		this.contextRunner.withPropertyValues("ipc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(IpcMetrics.class));
	}

	@Test
	void metersCanBeSwitchedOff() {
		this.contextRunner.withPropertyValues("management.metrics.enable.ipc=false").run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("ipc.client.running").gauge()).isNull();
		});
	}

	@Test
	void countsMessagesWithBoundedTopicTags() {
		this.contextRunner.withBean(Handlers.class).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				worker.client().send(new TestEvent("subscribed"), VAULT);
				worker.client().send(new OtherEvent(1), VAULT);
				worker.client()
					.send(new OutgoingMessage("{}".getBytes(), VAULT, "attacker-chosen-" + System.nanoTime()));
				await().atMost(5, TimeUnit.SECONDS)
					.until(() -> registry.find("ipc.messages.received")
						.counters()
						.stream()
						.mapToDouble((c) -> c.count())
						.sum() == 3);
				assertThat(registry.get("ipc.messages.received").tag("topic", "test.event").counter().count())
					.isEqualTo(1);
				assertThat(registry.get("ipc.messages.received").tag("topic", "test.other-event").counter().count())
					.isEqualTo(1);
				assertThat(registry.get("ipc.messages.received").tag("topic", "other").counter().count())
					.as("unsubscribed topics are chosen by the sender and not tagged")
					.isEqualTo(1);
			}
		});
	}

	@Test
	void timesRpcsByRequestAndOutcomeAndNormalisesResponseTopics() throws Exception {
		this.contextRunner.withBean(Handlers.class).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			IpcClient vault = context.getBean(IpcClient.class);
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(worker.client().request(new Echo("hi"), VAULT).get(5, TimeUnit.SECONDS)).isEqualTo("hi");
				catchThrowableOfType(ExecutionException.class,
						() -> worker.client().request(new Unhandled(), VAULT).get(5, TimeUnit.SECONDS));
				catchThrowableOfType(ExecutionException.class,
						() -> vault.request(new Echo("x"), Endpoint.named("worker")).get(5, TimeUnit.SECONDS));
				await().atMost(5, TimeUnit.SECONDS)
					.until(() -> registry.find("ipc.rpc.server").tag("outcome", "NO_HANDLER").timer() != null);
				Timer served = registry.get("ipc.rpc.server")
					.tags("request", "test.echo", "outcome", "SUCCESS")
					.timer();
				assertThat(served.count()).isEqualTo(1);
				assertThat(registry.get("ipc.rpc.server")
					.tags("request", "unknown", "outcome", "NO_HANDLER")
					.timer()
					.count()).isEqualTo(1);
				assertThat(registry.get("ipc.rpc.client")
					.tags("request", "test.echo", "outcome", "REMOTE_ERROR")
					.timer()
					.count()).isEqualTo(1);
				assertThat(registry.get("ipc.messages.received").tag("topic", "RpcRequestMessage").counter().count())
					.isEqualTo(2);
				assertThat(registry.get("ipc.messages.sent").tag("topic", "RpcResponseMessage").counter().count())
					.as("RpcResponseMessage:<id> is not a tag")
					.isEqualTo(2);
				assertThat(registry.get("ipc.messages.sent").tag("topic", "RpcRequestMessage").counter().count())
					.isEqualTo(1);
			}
		});
	}

	@Test
	void countsSourceRejectionsAndSubscriberFailures() {
		this.contextRunner.withBean(Handlers.class).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			try (TestClients.Peer intruder = TestClients.peer(this.bus, "intruder")) {
				intruder.client().send(new TestEvent("not you"), VAULT);
				intruder.client().send(new OtherEvent(-1), Endpoint.named("vault"));
				await().atMost(5, TimeUnit.SECONDS)
					.until(() -> registry.find("ipc.subscriber.failures").counter() != null
							&& registry.find("ipc.messages.dropped").counter() != null);
				assertThat(registry.get("ipc.messages.dropped").tag("reason", "SOURCE_REJECTED").counter().count())
					.isEqualTo(1);
				assertThat(registry.get("ipc.subscriber.failures").tag("topic", "test.other-event").counter().count())
					.isEqualTo(1);
			}
		});
	}

	@IpcPayload("test.unhandled")
	record Unhandled() implements RpcRequest<String> {
	}

	static class Handlers {

		@IpcSubscriber(sources = "worker")
		void on(TestEvent event) {
		}

		@IpcSubscriber(topic = "test.other-event", sources = "intruder")
		void fail(OtherEvent event) {
			throw new IllegalStateException("boom");
		}

		@IpcRpcHandler
		String echo(Echo echo) {
			return echo.text();
		}

	}

}
