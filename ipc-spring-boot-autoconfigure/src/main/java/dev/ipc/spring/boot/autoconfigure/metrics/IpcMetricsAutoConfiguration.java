package dev.ipc.spring.boot.autoconfigure.metrics;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.util.function.SingletonSupplier;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.observation.IpcObserver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.SessionRepository;
import dev.ipc.spring.annotation.IpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.observation.MicrometerIpcObserver;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for {@link IpcMetrics}. Backs off
 * without Micrometer or a {@link MeterRegistry}; switch the meters off with
 * {@code management.metrics.enable.ipc=false}.
 *
 * <p>
 * The meter binder is also an event listener of the client, so it is created with the
 * client; it reaches the client and the registries only through providers, resolved on
 * first use (after every singleton exists).
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@AutoConfiguration(after = IpcAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass({ MeterRegistry.class, MeterBinder.class })
@ConditionalOnBean({ IpcClient.class, MeterRegistry.class, CommunicationBackend.class, SessionRepository.class })
public final class IpcMetricsAutoConfiguration {

	IpcMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	IpcMetrics ipcMetrics(CommunicationBackend backend, SessionRepository<?> sessions,
			@Qualifier(IpcAutoConfiguration.LOCAL_ENDPOINT_BEAN_NAME) Endpoint localEndpoint,
			ObjectProvider<IpcClient> client, ObjectProvider<IpcSubscriberRegistry> subscribers,
			ObjectProvider<IpcHandlerRegistry<?>> registries, ObjectProvider<IpcObserver> observer) {
		SingletonSupplier<IpcClient> ipcClient = SingletonSupplier.of(client::getIfUnique);
		SingletonSupplier<IpcSubscriberRegistry> subscriberRegistry = SingletonSupplier.of(subscribers::getIfUnique);
		SingletonSupplier<List<IpcHandlerRegistry<?>>> handlerRegistries = SingletonSupplier
			.of(() -> registries.orderedStream().toList());
		IpcMetrics metrics = new IpcMetrics(backend, sessions, localEndpoint, () -> {
			Set<String> topics = new LinkedHashSet<>();
			IpcSubscriberRegistry registry = subscriberRegistry.get();
			if (registry != null) {
				topics.addAll(registry.getTopics());
			}
			IpcClient current = ipcClient.get();
			if (current != null) {
				topics.addAll(current.subscribedTopics());
			}
			return topics;
		}, () -> handlerRegistries.obtain().stream().mapToInt(IpcHandlerRegistry::getInFlightCount).sum(), () -> {
			IpcClient current = ipcClient.get();
			return current != null && current.isRunning();
		});
		// one source of truth: when RPCs are observed, their timers are made from the
		// observations
		metrics.setRpcTimersFromObservations(observer.getIfUnique() instanceof MicrometerIpcObserver);
		return metrics;
	}

}
