package dev.ipc.spring.annotation;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.handler.annotation.Header;

import dev.ipc.client.IpcClient;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @IpcSubscriber} methods receive both publications and addressed messages and
 * tell them apart, by a {@link DeliveryKind} parameter or the
 * {@link IpcHeaders#DELIVERY_KIND} header; an annotated subscriber counts as a
 * subscription for publishers in other applications.
 */
class IpcSubscriberPublishTest {

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner vault = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus)
		.withUserConfiguration(VaultConfiguration.class);

	private final ApplicationContextRunner worker = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=worker")
		.withBean(InMemoryBus.class, () -> this.bus);

	@Test
	void subscribersTellPublicationsFromAddressedMessages() {
		this.vault.run((vault) -> this.worker.run((worker) -> {
			IpcClient client = worker.getBean(IpcClient.class);
			assertThat(client.publish(new TestEvent("to all"))).isEqualTo(1);
			client.send(new TestEvent("to you"), Endpoint.named("vault"));
			Handlers handlers = vault.getBean(Handlers.class);
			await().atMost(10, TimeUnit.SECONDS)
				.until(() -> handlers.byParameter.size() == 2 && handlers.byHeader.size() == 2);
			String source = new Source.Named("worker", System.getProperty("user.name")).toString();
			assertThat(handlers.byParameter).containsExactlyInAnyOrder("to all PUBLISHED " + source,
					"to you ADDRESSED " + source);
			assertThat(handlers.byHeader).containsExactlyInAnyOrder("to all PUBLISHED", "to you ADDRESSED");
		}));
	}

	@Configuration(proxyBeanMethods = false)
	static class VaultConfiguration {

		@Bean
		Handlers handlers() {
			return new Handlers();
		}

	}

	static class Handlers {

		final List<String> byParameter = new CopyOnWriteArrayList<>();

		final List<String> byHeader = new CopyOnWriteArrayList<>();

		@IpcSubscriber
		void onEvent(TestEvent event, DeliveryKind kind, Source source) {
			this.byParameter.add(event.text() + " " + kind + " " + source);
		}

		@IpcSubscriber
		void onEventToo(TestEvent event, @Header(IpcHeaders.DELIVERY_KIND) DeliveryKind kind) {
			this.byHeader.add(event.text() + " " + kind);
		}

	}

}
