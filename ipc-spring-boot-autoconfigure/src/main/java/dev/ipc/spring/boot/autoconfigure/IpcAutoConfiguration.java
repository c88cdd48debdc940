package dev.ipc.spring.boot.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientBuilder;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.SessionRepository;
import dev.ipc.spring.annotation.IpcHandlerRegistry;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the IPC client: an
 * {@link IpcClient} on the transport, crypto provider and session store chosen by
 * {@code ipc.*}, started and stopped by an {@link IpcClientLifecycle}, and the processing
 * of {@code @IpcSubscriber} and {@code @IpcRpcHandler} methods.
 *
 * <p>
 * Every bean backs off when the application defines its own. Payloads are encoded with
 * Spring Boot's {@link JsonMapper} when there is one. Handlers run on virtual threads
 * when {@code spring.threads.virtual.enabled} is set, else on the client's own pool of
 * platform threads ({@code ipc.worker-threads}); never on Boot's
 * {@code applicationTaskExecutor}, whose early shutdown would cut the graceful drain
 * short.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@AutoConfiguration(afterName = { "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
		"org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration",
		"org.springframework.boot.autoconfigure.info.ProjectInfoAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "ipc.enabled", matchIfMissing = true)
@EnableConfigurationProperties(IpcProperties.class)
@Import({ IpcTransportConfiguration.class, IpcCryptoConfiguration.class, IpcAnnotationDrivenConfiguration.class })
public final class IpcAutoConfiguration {

	/** Name of the {@link Endpoint} bean this process is reachable under. */
	public static final String LOCAL_ENDPOINT_BEAN_NAME = "ipcLocalEndpoint";

	/** Name of the {@link IpcExecutorHolder} bean running handlers. */
	public static final String EXECUTOR_BEAN_NAME = "ipcExecutor";

	/** Discover version used when neither the properties nor the build tell. */
	static final String UNKNOWN_VERSION = "unknown";

	IpcAutoConfiguration() {
	}

	@Bean(LOCAL_ENDPOINT_BEAN_NAME)
	@ConditionalOnMissingBean(name = LOCAL_ENDPOINT_BEAN_NAME)
	Endpoint ipcLocalEndpoint(IpcProperties properties, Environment environment) {
		return localEndpoint(properties.endpoint(), environment.getProperty("spring.application.name"));
	}

	@Bean
	@ConditionalOnMissingBean
	PayloadCodec ipcPayloadCodec(ObjectProvider<JsonMapper> jsonMapper) {
		JsonMapper mapper = jsonMapper.getIfUnique();
		return (mapper != null) ? PayloadCodec.of(mapper) : PayloadCodec.defaults();
	}

	@Bean
	@ConditionalOnMissingBean
	IpcErrorRecorder ipcErrorRecorder() {
		return new IpcErrorRecorder();
	}

	@Bean
	@ConditionalOnMissingBean
	IpcClient ipcClient(IpcProperties properties, CommunicationBackend backend, CryptoProvider<?> crypto,
			SessionRepository<?> sessions, PayloadCodec codec, IpcExecutorHolder executor,
			@Qualifier(LOCAL_ENDPOINT_BEAN_NAME) Endpoint localEndpoint, ObjectProvider<IpcEventListener> listeners,
			ObjectProvider<IpcClientCustomizer> customizers, ObjectProvider<BuildProperties> buildProperties,
			Environment environment) {
		IpcClientBuilder builder = IpcClient.builder()
			.name("ipc-" + threadSafeName(localEndpoint))
			.backend(backend)
			.codec(codec)
			.handlerExecutor(executor.getExecutor())
			.subscriberQueueCapacity(properties.subscriber().queueCapacity())
			.defaultRpcTimeout(properties.rpc().timeout())
			.rpcSpin(properties.rpc().spin())
			.duplicateHandlerPolicy(properties.rpc().duplicateHandlerPolicy())
			.shutdownTimeout(properties.shutdown().gracePeriod())
			.keepJvmAlive(properties.keepAlive());
		withCrypto(builder, crypto, sessions);
		if (properties.discover().enabled()) {
			builder.discoverable(discoverVersion(properties.discover().version(), buildProperties.getIfAvailable(),
					environment.getProperty("spring.application.version")));
		}
		listeners.orderedStream().forEach(builder::listener);
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		return builder.build();
	}

	@Bean
	@ConditionalOnMissingBean
	IpcClientLifecycle ipcClientLifecycle(IpcClient client, ObjectProvider<IpcHandlerRegistry<?>> registries,
			IpcProperties properties) {
		List<IpcHandlerRegistry<?>> list = registries.orderedStream().toList();
		return new IpcClientLifecycle(client, list, properties.shutdown().gracePeriod());
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static void withCrypto(IpcClientBuilder builder, CryptoProvider<?> crypto, SessionRepository<?> sessions) {
		builder.crypto((CryptoProvider) crypto, (SessionRepository) sessions);
	}

	static Endpoint localEndpoint(@Nullable String configured, @Nullable String applicationName) {
		String name = StringUtils.hasText(configured) ? configured.trim()
				: StringUtils.hasText(applicationName) ? applicationName.trim() : null;
		if (name == null) {
			throw new IpcConfigurationException("ipc.endpoint", "no endpoint name is configured",
					"Set ipc.endpoint to the name this process is reachable under (for example ipc.endpoint=vault), "
							+ "or set spring.application.name");
		}
		if ("DesktopMain".equals(name)) {
			return Endpoint.DESKTOP_MAIN;
		}
		if ("DesktopRenderer".equals(name)) {
			return Endpoint.DESKTOP_RENDERER;
		}
		try {
			return Endpoint.named(name);
		}
		catch (IllegalArgumentException ex) {
			throw new IpcConfigurationException("ipc.endpoint", ex.getMessage(),
					"Set ipc.endpoint to a name of 1 to 255 characters");
		}
	}

	static String discoverVersion(@Nullable String configured, @Nullable BuildProperties build,
			@Nullable String applicationVersion) {
		if (StringUtils.hasText(configured)) {
			return configured;
		}
		if (build != null && StringUtils.hasText(build.getVersion())) {
			return build.getVersion();
		}
		return StringUtils.hasText(applicationVersion) ? applicationVersion : UNKNOWN_VERSION;
	}

	private static String threadSafeName(Endpoint endpoint) {
		String name = (endpoint instanceof Endpoint.Named named) ? named.name() : endpoint.toString();
		String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
		return (safe.length() > 40) ? safe.substring(0, 40) : safe;
	}

	@Configuration(proxyBeanMethods = false)
	static class IpcExecutorConfiguration {

		@Bean(EXECUTOR_BEAN_NAME)
		@ConditionalOnMissingBean
		@ConditionalOnThreading(Threading.PLATFORM)
		IpcExecutorHolder ipcExecutor(IpcProperties properties) {
			int threads = (properties.workerThreads() != null) ? properties.workerThreads()
					: Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
			return IpcExecutorHolder.platformThreads(threads, "ipc-worker-", properties.shutdown().gracePeriod());
		}

		@Bean(EXECUTOR_BEAN_NAME)
		@ConditionalOnMissingBean
		@ConditionalOnThreading(Threading.VIRTUAL)
		IpcExecutorHolder ipcExecutorVirtualThreads(IpcProperties properties) {
			return IpcExecutorHolder.virtualThreads("ipc-", properties.shutdown().gracePeriod());
		}

	}

}
