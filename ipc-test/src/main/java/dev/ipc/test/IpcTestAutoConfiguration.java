package dev.ipc.test;

import java.time.Duration;

import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientBuilder;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.NoiseSuite;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.IpcProperties;
import dev.ipc.transport.memory.InMemoryBus;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The {@link IpcTestClient} of a context annotated with {@link AutoConfigureIpcTest}:
 * imported by that annotation only, never applied to an application by itself.
 *
 * @author IPC contributors
 */
@AutoConfiguration(after = IpcAutoConfiguration.class)
@ConditionalOnBean({ IpcClient.class, InMemoryBus.class })
public final class IpcTestAutoConfiguration {

	/** Property holding {@link AutoConfigureIpcTest#clientEndpoint()}. */
	static final String CLIENT_ENDPOINT_PROPERTY = "ipc.test.client-endpoint";

	/** Property holding {@link AutoConfigureIpcTest#timeout()}. */
	static final String TIMEOUT_PROPERTY = "ipc.test.timeout";

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	IpcTestClient ipcTestClient(InMemoryBus bus, IpcProperties properties, PayloadCodec codec,
			@Qualifier(IpcAutoConfiguration.LOCAL_ENDPOINT_BEAN_NAME) Endpoint application, Environment environment) {
		String name = environment.getProperty(CLIENT_ENDPOINT_PROPERTY, "test-client");
		Duration timeout = timeout(environment.getProperty(TIMEOUT_PROPERTY, "10s"));
		if (application.equals(Endpoint.named(name))) {
			throw new IllegalStateException("The application's endpoint and the IPC test client are both '" + name
					+ "': set another @AutoConfigureIpcTest(clientEndpoint = ...) or another ipc.endpoint for the test");
		}
		IpcClientBuilder builder = IpcClient.builder()
			.name("ipc-test-client")
			.keepJvmAlive(false) // the application's own client already does; this one
									// lives and dies with the test context
			.backend(bus.connect(new Source.Named(name, System.getProperty("user.name"))))
			.codec(codec)
			.defaultRpcTimeout(timeout);
		switch (properties.crypto().provider()) {
			case NOISE -> builder.crypto(NoiseCryptoProvider.builder()
				.initiatorSuite(NoiseSuite.fromProtocolName(properties.crypto().suite().protocolName()))
				.handshakeTimeout(properties.crypto().handshakeTimeout())
				.build(), new InMemorySessionRepository<>());
			case NONE -> builder.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>());
		}
		IpcClient client = builder.build();
		client.start();
		return new IpcTestClient(client, Endpoint.named(name), application, timeout);
	}

	private static Duration timeout(String value) {
		try {
			return IpcTestClient.checkedTimeout(DurationStyle.detectAndParse(value));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("@AutoConfigureIpcTest(timeout = \"" + value
					+ "\") is not a positive duration: use for example \"10s\" or \"PT10S\"", ex);
		}
	}

}
