package dev.ipc.spring.boot.autoconfigure.observation;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.ipc.client.IpcClient;
import dev.ipc.observation.IpcObserver;
import dev.ipc.spring.annotation.IpcRpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.IpcClientCustomizer;
import dev.ipc.spring.observation.IpcReceiveObservationConvention;
import dev.ipc.spring.observation.IpcRpcClientObservationConvention;
import dev.ipc.spring.observation.IpcRpcServerObservationConvention;
import dev.ipc.spring.observation.IpcSendObservationConvention;
import dev.ipc.spring.observation.MicrometerIpcObserver;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of the IPC client's observations:
 * with an {@link ObservationRegistry} bean (Boot's, from actuator or
 * {@code spring-boot-micrometer-observation}), RPCs sent and answered and messages sent
 * are observed by a {@link MicrometerIpcObserver} given to the client, and messages
 * handled by {@code @IpcSubscriber} methods by their registry. Convention beans
 * ({@link IpcRpcClientObservationConvention} and the others) replace the defaults; an
 * {@link IpcObserver} bean of the application's replaces the Micrometer one. Backs off
 * without an observation registry; switch observations off with Boot's
 * {@code management.observations.enable.ipc=false} (the {@code ipc.rpc.*} timers, made
 * from these observations, then go too).
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@AutoConfiguration(after = IpcAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ IpcClient.class, ObservationRegistry.class })
public final class IpcObservationAutoConfiguration {

	IpcObservationAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(IpcObserver.class)
	MicrometerIpcObserver ipcObserver(ObservationRegistry registry,
			ObjectProvider<IpcRpcClientObservationConvention> clientConvention,
			ObjectProvider<IpcRpcServerObservationConvention> serverConvention,
			ObjectProvider<IpcSendObservationConvention> sendConvention) {
		return new MicrometerIpcObserver(registry, clientConvention.getIfUnique(), serverConvention.getIfUnique(),
				sendConvention.getIfUnique());
	}

	@Bean
	IpcClientCustomizer ipcObserverCustomizer(IpcObserver observer) {
		return (builder) -> builder.observer(observer);
	}

	@Bean
	static SmartInitializingSingleton ipcHandlerObservations(ObjectProvider<IpcSubscriberRegistry> subscribers,
			ObjectProvider<IpcRpcHandlerRegistry> rpcHandlers, ObjectProvider<ObservationRegistry> registry,
			ObjectProvider<IpcReceiveObservationConvention> receiveConvention) {
		return () -> {
			subscribers.ifUnique((subscriberRegistry) -> subscriberRegistry.setObservationRegistry(registry.getObject(),
					receiveConvention.getIfUnique()));
			rpcHandlers.ifUnique((handlerRegistry) -> handlerRegistry.setObservationRegistry(registry.getObject()));
		};
	}

}
