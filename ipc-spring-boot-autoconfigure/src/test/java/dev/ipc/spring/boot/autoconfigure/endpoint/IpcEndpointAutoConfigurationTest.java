package dev.ipc.spring.boot.autoconfigure.endpoint;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.ipc.client.IpcClient;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.endpoint.IpcEndpoint.IpcDescriptor;
import dev.ipc.spring.boot.autoconfigure.endpoint.IpcEndpoint.RpcHandlerDescriptor;
import dev.ipc.spring.boot.autoconfigure.endpoint.IpcEndpoint.SubscriberDescriptor;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Sum;
import dev.ipc.spring.test.TestPayloads.SumResult;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IpcEndpointAutoConfiguration}.
 */
class IpcEndpointAutoConfigurationTest {

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, IpcEndpointAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus);

	private final ApplicationContextRunner exposed = this.contextRunner
		.withPropertyValues("management.endpoints.web.exposure.include=ipc");

	@Test
	void runWhenExposedShouldCreateEndpoint() {
		this.exposed.run((context) -> assertThat(context).hasSingleBean(IpcEndpoint.class));
	}

	@Test
	void runWhenNotExposedShouldNotCreateEndpoint() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(IpcEndpoint.class));
	}

	@Test
	void runWhenAccessIsNoneShouldNotCreateEndpoint() {
		this.exposed.withPropertyValues("management.endpoint.ipc.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(IpcEndpoint.class));
	}

	@Test
	void runWithoutActuatorOnTheClassPathShouldNotCreateEndpoint() {
		this.exposed.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(IpcClient.class)
				.doesNotHaveBean(IpcEndpoint.class));
	}

	@Test
	void describesTopicsHandlersPeersAndSessions() {
		this.exposed.withBean(Handlers.class).run((context) -> {
			IpcEndpoint endpoint = context.getBean(IpcEndpoint.class);
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				worker.client().request(new Sum(1, 2), dev.ipc.model.Endpoint.named("vault")).get(5, TimeUnit.SECONDS);
				IpcDescriptor descriptor = endpoint.ipc();
				assertThat(descriptor.endpoint()).isEqualTo("vault");
				assertThat(descriptor.state()).isEqualTo("RUNNING");
				assertThat(descriptor.connected()).isTrue();
				assertThat(descriptor.peers()).containsExactly(new IpcEndpoint.PeerDescriptor("worker", false));
				assertThat(descriptor.sessions()).isZero();
				assertThat(descriptor.topics()).containsExactly("test.event");
				assertThat(descriptor.rpcRequests()).containsExactly("DiscoverRequest", "test.sum");
				assertThat(descriptor.lastError()).isNull();
				SubscriberDescriptor subscriber = descriptor.subscribers().get(0);
				assertThat(subscriber.topic()).isEqualTo("test.event");
				assertThat(subscriber.method()).isEqualTo(Handlers.class.getName() + ".on(TestEvent)");
				assertThat(subscriber.bean()).endsWith("Handlers");
				assertThat(subscriber.running()).isTrue();
				assertThat(subscriber.concurrency()).isEqualTo(1);
				assertThat(subscriber.payloadType()).isEqualTo(TestEvent.class.getName());
				assertThat(subscriber.sources()).containsExactly("worker");
				RpcHandlerDescriptor handler = descriptor.rpcHandlers().get(0);
				assertThat(handler.request()).isEqualTo("test.sum");
				assertThat(handler.method()).isEqualTo(Handlers.class.getName() + ".sum(Sum)");
				assertThat(handler.responseType()).isEqualTo(SumResult.class.getName());
				assertThat(handler.concurrency()).isZero();
				assertThat(endpoint.handler(Handlers.class.getName() + ".sum")).isEqualTo(handler);
				assertThat(endpoint.handler("nope")).isNull();
			}
		});
	}

	static class Handlers {

		@IpcSubscriber(sources = "worker")
		void on(TestEvent event) {
		}

		@IpcRpcHandler
		SumResult sum(Sum sum) {
			return new SumResult(sum.a() + sum.b());
		}

	}

}
