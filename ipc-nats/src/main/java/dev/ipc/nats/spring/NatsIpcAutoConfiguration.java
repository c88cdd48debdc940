package dev.ipc.nats.spring;

import java.io.IOException;
import java.security.NoSuchAlgorithmException;

import javax.net.ssl.SSLContext;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;

import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.nats.NatsTransport;
import dev.ipc.nats.NatsTransportOptions;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.boot.autoconfigure.TransportDropReporter;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.IpcConfigurationException;

/**
 * Auto-configuration of the NATS backend for {@code ipc.transport.type=nats}: a
 * {@link NatsTransport} bean (the client's {@link CommunicationBackend}) from
 * {@code ipc.transport.nats.*}, connected before the client starts and closed with the
 * context. Runs before {@link IpcAutoConfiguration}, whose own backend then backs off;
 * backs off itself when the application defines a {@link CommunicationBackend}. Startup
 * fails with an {@link IpcConfigurationException} naming the property when the settings
 * are wrong, no server can be reached, or {@code source-trust=broker-enforced} is set and
 * the server's permissions do not vouch for sources.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@AutoConfiguration(before = IpcAutoConfiguration.class)
@ConditionalOnClass(IpcAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "ipc.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "ipc.transport.type", havingValue = "nats")
@EnableConfigurationProperties(NatsIpcProperties.class)
public final class NatsIpcAutoConfiguration {

	NatsIpcAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(CommunicationBackend.class)
	NatsTransport ipcNatsTransport(NatsIpcProperties properties,
			@Qualifier(IpcAutoConfiguration.LOCAL_ENDPOINT_BEAN_NAME) Endpoint localEndpoint,
			ObjectProvider<IpcEventListener> listeners, ObjectProvider<SslBundles> sslBundles) {
		NatsTransportOptions options = options(properties, localEndpoint, new TransportDropReporter(listeners),
				sslBundles.getIfAvailable());
		try {
			return NatsTransport.open(options);
		}
		catch (IOException ex) {
			throw new IpcConfigurationException("ipc.transport.nats.servers",
					"no NATS server of " + properties.servers() + " could be reached or it refused the credentials: "
							+ ex.getMessage(),
					"Start a server, fix ipc.transport.nats.servers, or check the credentials");
		}
		catch (IllegalStateException ex) {
			throw new IpcConfigurationException("ipc.transport.nats.source-trust", ex.getMessage(),
					"Apply the permissions from dev.ipc.nats.NatsPermissions to the server, or set "
							+ "ipc.transport.nats.source-trust=unverified");
		}
	}

	/** Maps {@code ipc.transport.nats.*} to the transport's options. */
	static NatsTransportOptions options(NatsIpcProperties properties, Endpoint localEndpoint, IpcEventListener listener,
			@Nullable SslBundles sslBundles) {
		NatsTransportOptions.Builder builder = NatsTransportOptions.builder();
		try {
			builder.endpoint(localEndpoint);
		}
		catch (IllegalArgumentException ex) {
			throw new IpcConfigurationException("ipc.endpoint", ex.getMessage(),
					"Name this process with letters, digits, '-' or '_' (at most 64) to use NATS");
		}
		try {
			builder.namespace(properties.namespace())
				.servers(properties.servers())
				.sourceTrust(properties.sourceTrust())
				.maxMessageBytes((int) Math.min(Integer.MAX_VALUE, properties.maxMessageSize().toBytes()))
				.presence(properties.presence().interval(), properties.presence().timeout())
				.connectionTimeout(properties.connectionTimeout())
				.reconnectWait(properties.reconnectWait())
				.pingInterval(properties.pingInterval())
				.listener(listener);
			if (StringUtils.hasText(properties.username())) {
				builder.userPassword(properties.username(),
						(properties.password() != null) ? properties.password().toCharArray() : new char[0]);
			}
			if (StringUtils.hasText(properties.token())) {
				builder.token(properties.token().toCharArray());
			}
			if (StringUtils.hasText(properties.nkeySeed())) {
				builder.nkeySeed(properties.nkeySeed().toCharArray());
			}
			if (properties.credentialsFile() != null) {
				builder.credentialsFile(properties.credentialsFile());
			}
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			throw new IpcConfigurationException("ipc.transport.nats",
					"the NATS settings are invalid: " + ex.getMessage(),
					"Fix the ipc.transport.nats.* property named in the message");
		}
		builder.sslContext(sslContext(properties.tls(), sslBundles));
		return builder.build();
	}

	private static @Nullable SSLContext sslContext(NatsIpcProperties.Tls tls, @Nullable SslBundles sslBundles) {
		if (StringUtils.hasText(tls.bundle())) {
			if (sslBundles == null) {
				throw new IpcConfigurationException("ipc.transport.nats.tls.bundle", "no SSL bundles are configured",
						"Define the bundle under spring.ssl.bundle.*");
			}
			try {
				return sslBundles.getBundle(tls.bundle()).createSslContext();
			}
			catch (NoSuchSslBundleException ex) {
				throw new IpcConfigurationException("ipc.transport.nats.tls.bundle",
						"there is no SSL bundle named '" + tls.bundle() + "'", "Define it under spring.ssl.bundle.*");
			}
		}
		if (tls.enabled()) {
			try {
				return SSLContext.getDefault();
			}
			catch (NoSuchAlgorithmException ex) {
				throw new IpcConfigurationException("ipc.transport.nats.tls.enabled",
						"TLS is not available: " + ex.getMessage(),
						"Use a JVM with TLS support, or name an SSL bundle");
			}
		}
		return null;
	}

}
