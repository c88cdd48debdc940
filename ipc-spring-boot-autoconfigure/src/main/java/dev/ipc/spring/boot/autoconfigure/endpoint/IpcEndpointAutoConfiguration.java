package dev.ipc.spring.boot.autoconfigure.endpoint;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.ipc.client.IpcClient;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.SessionRepository;
import dev.ipc.spring.annotation.IpcRpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.IpcErrorRecorder;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link IpcEndpoint ipc
 * actuator endpoint}. Backs off without the actuator, and when the endpoint is not
 * available (expose it with {@code management.endpoints.web.exposure.include=ipc}).
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@AutoConfiguration(after = IpcAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean({ IpcClient.class, CommunicationBackend.class, SessionRepository.class })
@ConditionalOnAvailableEndpoint(IpcEndpoint.class)
public final class IpcEndpointAutoConfiguration {

	IpcEndpointAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	IpcEndpoint ipcEndpoint(IpcClient client, CommunicationBackend backend, SessionRepository<?> sessions,
			@Qualifier(IpcAutoConfiguration.LOCAL_ENDPOINT_BEAN_NAME) dev.ipc.model.Endpoint localEndpoint,
			ObjectProvider<IpcSubscriberRegistry> subscribers, ObjectProvider<IpcRpcHandlerRegistry> rpcHandlers,
			ObjectProvider<IpcErrorRecorder> errors, ObjectProvider<CryptoProvider<?>> crypto) {
		return new IpcEndpoint(client, backend, sessions, localEndpoint, subscribers.getIfUnique(),
				rpcHandlers.getIfUnique(), errors.getIfUnique(),
				(crypto.getIfUnique() instanceof NoiseCryptoProvider noise) ? noise.authentication().orElse(null)
						: null);
	}

}
