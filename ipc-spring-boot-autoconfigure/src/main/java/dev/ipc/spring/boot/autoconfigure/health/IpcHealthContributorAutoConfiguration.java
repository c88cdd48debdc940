package dev.ipc.spring.boot.autoconfigure.health;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.ipc.client.IpcClient;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.PeerAuthentication;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.SessionRepository;
import dev.ipc.spring.annotation.IpcRpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.IpcErrorRecorder;
import dev.ipc.spring.boot.autoconfigure.IpcProperties;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@code ipc} health
 * indicator. Backs off without {@code spring-boot-health}, and with
 * {@code management.health.ipc.enabled=false}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@AutoConfiguration(after = IpcAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean({ IpcClient.class, IpcProperties.class, CommunicationBackend.class, SessionRepository.class })
@ConditionalOnEnabledHealthIndicator("ipc")
public final class IpcHealthContributorAutoConfiguration {

	IpcHealthContributorAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = { "ipcHealthIndicator", "ipcHealthContributor" })
	IpcHealthIndicator ipcHealthIndicator(IpcClient client, CommunicationBackend backend, SessionRepository<?> sessions,
			IpcProperties properties, @Qualifier(IpcAutoConfiguration.LOCAL_ENDPOINT_BEAN_NAME) Endpoint localEndpoint,
			ObjectProvider<IpcSubscriberRegistry> subscribers, ObjectProvider<IpcRpcHandlerRegistry> rpcHandlers,
			ObjectProvider<IpcErrorRecorder> errors, ObjectProvider<CryptoProvider<?>> crypto) {
		String transport = properties.transport().type().name().toLowerCase().replace('_', '-');
		if (properties.transport().type() != IpcProperties.TransportType.IN_MEMORY) {
			transport += " (" + properties.transport().role().name().toLowerCase() + ")";
		}
		return new IpcHealthIndicator(client, backend, sessions, localEndpoint, transport, subscribers.getIfUnique(),
				rpcHandlers.getIfUnique(), errors.getIfUnique(), authenticationOf(crypto.getIfUnique()));
	}

	/** The Noise provider's authentication, if the crypto provider is one and has it. */
	static @Nullable PeerAuthentication authenticationOf(@Nullable CryptoProvider<?> crypto) {
		return (crypto instanceof NoiseCryptoProvider noise) ? noise.authentication().orElse(null) : null;
	}

}
