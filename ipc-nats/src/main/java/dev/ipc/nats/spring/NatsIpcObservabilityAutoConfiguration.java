package dev.ipc.nats.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.binder.MeterBinder;

import dev.ipc.nats.NatsTransport;

/**
 * Health ({@code ipcNats}) and Micrometer meters ({@code ipc.nats.*}) of the
 * {@link NatsTransport} bean; each backs off when its library is absent or the
 * application defines a bean of the same name.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@AutoConfiguration(after = NatsIpcAutoConfiguration.class)
@ConditionalOnBean(NatsTransport.class)
public final class NatsIpcObservabilityAutoConfiguration {

	NatsIpcObservabilityAutoConfiguration() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	static class Health {

		@Bean
		@ConditionalOnMissingBean(name = "ipcNatsHealthIndicator")
		NatsHealthIndicator ipcNatsHealthIndicator(NatsTransport transport) {
			return new NatsHealthIndicator(transport);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class Metrics {

		@Bean
		@ConditionalOnMissingBean(name = "ipcNatsMetrics")
		NatsMetrics ipcNatsMetrics(NatsTransport transport) {
			return new NatsMetrics(transport);
		}

	}

}
