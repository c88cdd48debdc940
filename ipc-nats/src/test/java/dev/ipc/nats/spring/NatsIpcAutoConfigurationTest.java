package dev.ipc.nats.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.nats.NatsFixturesAccess;
import dev.ipc.nats.NatsSources;
import dev.ipc.nats.NatsTransport;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.IpcConfigurationException;
import dev.ipc.model.IpcPayload;

/**
 * {@code ipc.transport.type=nats} in Spring Boot, against a real nats-server with
 * generated permissions.
 */
class NatsIpcAutoConfigurationTest {

	@IpcPayload("nats.spring.sum")
	record Sum(int a, int b) implements RpcRequest<Integer> {
	}

	@TempDir
	Path dir;

	private NatsFixturesAccess.Server server;

	@BeforeEach
	void startServer() {
		server = NatsFixturesAccess.permissionedServer(dir);
	}

	@AfterEach
	void stopServer() {
		server.close();
	}

	private ApplicationContextRunner runner(String endpoint) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(NatsIpcAutoConfiguration.class, IpcAutoConfiguration.class,
					NatsIpcObservabilityAutoConfiguration.class))
			.withPropertyValues("ipc.endpoint=" + endpoint, "ipc.transport.type=nats",
					"ipc.transport.nats.servers=" + server.url(), "ipc.transport.nats.namespace=t",
					"ipc.transport.nats.username=" + endpoint, "ipc.transport.nats.password=pw-" + endpoint,
					"ipc.transport.nats.source-trust=broker-enforced", "ipc.transport.nats.presence.interval=250ms",
					"ipc.transport.nats.presence.timeout=3s",
					// this test is about the transport; NATS defaults to authentication:
					// required (IpcAuthenticationAutoConfigurationTest covers that)
					"ipc.authentication.policy=none");
	}

	@Test
	void annotatedHandlersAnswerOverNatsAndOnlyVouchedSourcesAreAccepted() {
		runner("vault").withBean(VaultHandlers.class).run((vault) -> runner("worker").run((worker) -> {
			assertThat(vault).hasSingleBean(NatsTransport.class).hasSingleBean(CommunicationBackend.class);
			NatsTransport workerTransport = worker.getBean(NatsTransport.class);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> workerTransport.reachableEndpoints().contains(Endpoint.named("vault")));
			IpcClient client = worker.getBean(IpcClient.class);
			assertThat(client.request(new Sum(20, 22), Endpoint.named("vault")).get(30, TimeUnit.SECONDS))
				.isEqualTo(42);
			assertThat(vault.getBean(VaultHandlers.class).callers)
				.containsExactly(new Source.Named("worker", NatsSources.BROKER_VOUCHED_USER));

			Health health = vault.getBean("ipcNatsHealthIndicator", NatsHealthIndicator.class).health(true);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("server", server.url())
				.containsEntry("namespace", "t")
				.containsEntry("sourceTrust", "BROKER_ENFORCED")
				.containsKey("rttMicros");
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			vault.getBean(NatsMetrics.class).bindTo(registry);
			assertThat(registry.get("ipc.nats.connected").gauge().value()).isEqualTo(1.0);
			assertThat(registry.get("ipc.nats.messages.received").functionCounter().count()).isPositive();
		}));
	}

	@Test
	void anUnreachableServerFailsStartupNamingTheProperty() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(NatsIpcAutoConfiguration.class, IpcAutoConfiguration.class))
			.withPropertyValues("ipc.endpoint=vault", "ipc.transport.type=nats",
					"ipc.transport.nats.servers=nats://127.0.0.1:" + NatsFixturesAccess.freePort(),
					"ipc.transport.nats.connection-timeout=200ms")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(IpcConfigurationException.class)
				.hasMessageContaining("ipc.transport.nats.servers"));
	}

	@Test
	void anEndpointNameThatIsNoSubjectTokenFailsStartup() {
		runner("bad.name").run((context) -> assertThat(context).getFailure()
			.rootCause()
			.isInstanceOf(IpcConfigurationException.class)
			.hasMessageContaining("ipc.endpoint"));
	}

	static class VaultHandlers {

		final List<Source> callers = new CopyOnWriteArrayList<>();

		@IpcRpcHandler(sources = "worker", users = NatsSources.BROKER_VOUCHED_USER)
		Integer sum(Sum request, Source source) {
			this.callers.add(source);
			return request.a() + request.b();
		}

	}

}
