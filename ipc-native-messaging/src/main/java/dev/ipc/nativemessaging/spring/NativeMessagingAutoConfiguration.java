package dev.ipc.nativemessaging.spring;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;

import dev.ipc.nativemessaging.install.ManifestInstaller;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for browser native messaging: the
 * {@link BrowserExtensionPeers} bean, the startup install of the host manifest
 * ({@code ipc.native-messaging.install=true}), the {@code nativeMessaging} health
 * indicator (with {@code spring-boot-health}) and the {@code ipc.native-messaging.*}
 * meters (with Micrometer). Needs the IPC client's {@link CommunicationBackend}; off with
 * {@code ipc.native-messaging.enabled=false}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@AutoConfiguration(after = IpcAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnBooleanProperty(name = "ipc.native-messaging.enabled", matchIfMissing = true)
@ConditionalOnBean(CommunicationBackend.class)
@EnableConfigurationProperties(NativeMessagingProperties.class)
public final class NativeMessagingAutoConfiguration {

	NativeMessagingAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	BrowserExtensionPeers browserExtensionPeers(CommunicationBackend backend, NativeMessagingProperties properties) {
		return new BrowserExtensionPeers(backend, properties.allowedOrigins());
	}

	@Bean
	@ConditionalOnMissingBean
	NativeMessagingInstallation nativeMessagingInstallation(NativeMessagingProperties properties,
			CommunicationBackend backend) {
		return new NativeMessagingInstallation(properties, new ManifestInstaller(), backend);
	}

	@Bean
	SmartInitializingSingleton nativeMessagingInstaller(NativeMessagingInstallation installation) {
		return installation::installIfRequested;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "nativeMessagingHealthIndicator")
		NativeMessagingHealthIndicator nativeMessagingHealthIndicator(NativeMessagingInstallation installation,
				BrowserExtensionPeers peers) {
			return new NativeMessagingHealthIndicator(installation, peers);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		NativeMessagingMetrics nativeMessagingMetrics(NativeMessagingInstallation installation,
				BrowserExtensionPeers peers) {
			return new NativeMessagingMetrics(installation, peers);
		}

	}

}
