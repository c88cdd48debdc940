package dev.ipc.spring.boot.autoconfigure.health;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.testing.TestCommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link IpcHealthContributorAutoConfiguration}.
 */
class IpcHealthContributorAutoConfigurationTest {

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class,
				IpcHealthContributorAutoConfiguration.class, HealthContributorAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus);

	@Test
	void runShouldCreateIndicator() {
		this.contextRunner.run(
				(context) -> assertThat(context).hasSingleBean(IpcHealthIndicator.class).hasBean("ipcHealthIndicator"));
	}

	@Test
	void runWhenDisabledShouldNotCreateIndicator() {
		this.contextRunner.withPropertyValues("management.health.ipc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(IpcHealthIndicator.class));
		this.contextRunner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(IpcHealthIndicator.class));
	}

	@Test
	void runWithoutHealthOnTheClassPathShouldNotCreateIndicator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(IpcClient.class)
				.doesNotHaveBean(IpcHealthIndicator.class));
	}

	@Test
	void runWithoutClientShouldNotCreateIndicator() {
		this.contextRunner.withPropertyValues("ipc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(IpcHealthIndicator.class));
	}

	@Test
	void userDefinedIndicatorWins() {
		this.contextRunner.withBean("ipcHealthIndicator", HealthIndicator.class, () -> () -> Health.up().build())
			.run((context) -> assertThat(context).doesNotHaveBean(IpcHealthIndicator.class));
	}

	@Test
	@SuppressWarnings("try")
	void upWithDetailsWhileRunning() {
		this.contextRunner.withBean(Handlers.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				Health health = context.getBean(IpcHealthIndicator.class).health(true);
				assertThat(health.getStatus()).isEqualTo(Status.UP);
				Map<String, Object> details = health.getDetails();
				assertThat(details).containsEntry("endpoint", "vault")
					.containsEntry("transport", "in-memory")
					.containsEntry("state", "RUNNING")
					.containsEntry("connected", true)
					.containsEntry("sessions", 0)
					.doesNotContainKey("lastError");
				assertThat(details.get("peers")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
					.containsExactly("worker");
				assertThat(details.get("topics")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.ITERABLE)
					.containsExactly("test.event");
				assertThat(details.get("rpcHandlers"))
					.asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.ITERABLE)
					.containsExactly("DiscoverRequest", "test.echo");
			}
		});
	}

	@Test
	void socketTransportsShowTheirRole() {
		this.contextRunner.withPropertyValues("ipc.transport.type=unix", "ipc.transport.role=peer")
			.withBean(CommunicationBackend.class, TestCommunicationBackend::new)
			.run((context) -> assertThat(context.getBean(IpcHealthIndicator.class).health(true).getDetails())
				.containsEntry("transport", "unix (peer)"));
	}

	@Test
	void downAfterAFatalError() {
		TestCommunicationBackend backend = new TestCommunicationBackend();
		this.contextRunner.withBean(CommunicationBackend.class, () -> backend).run((context) -> {
			backend.onSend((message) -> {
				throw new IpcException(ErrorKind.FATAL, "transport gone");
			});
			IpcClient client = context.getBean(IpcClient.class);
			assertThatExceptionOfType(IpcException.class)
				.isThrownBy(() -> client.send(new OutgoingMessage(new byte[0], Endpoint.named("x"), "t")));
			Health health = context.getBean(IpcHealthIndicator.class).health(true);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("state", "STOPPED")
				.containsEntry("fatalError", IpcException.class.getName() + ": transport gone");
			assertThat(health.getDetails().get("lastError")).asString().contains("fatal error");
		});
	}

	@Test
	void outOfServiceWhenStopped() {
		this.contextRunner.run((context) -> {
			context.getSourceApplicationContext().stop();
			assertThat(context.getBean(IpcHealthIndicator.class).health(true).getStatus())
				.isEqualTo(Status.OUT_OF_SERVICE);
		});
	}

	@Test
	void contributesTheIpcComponentToTheHealthEndpoint() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(HealthContributorRegistryAutoConfiguration.class,
					HealthEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoint.health.show-details=always")
			.run((context) -> {
				HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);
				IndicatedHealthDescriptor ipc = (IndicatedHealthDescriptor) endpoint.healthForPath("ipc");
				assertThat(ipc).isNotNull();
				assertThat(ipc.getStatus()).isEqualTo(Status.UP);
				assertThat(ipc.getDetails()).containsEntry("endpoint", "vault");
			});
	}

	static class Handlers {

		@IpcSubscriber
		void on(TestEvent event) {
		}

		@IpcRpcHandler
		String echo(Echo echo) {
			return echo.text();
		}

	}

}
