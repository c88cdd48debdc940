package dev.ipc.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

import dev.ipc.client.DuplicateHandlerPolicy;
import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientState;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.rpc.discover.DiscoverRequest;
import dev.ipc.rpc.discover.DiscoverResponse;
import dev.ipc.session.FileSessionRepository;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.SessionRepository;
import dev.ipc.spring.annotation.IpcHandlerAnnotationBeanPostProcessor;
import dev.ipc.spring.annotation.IpcRpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.test.TestClients;
import dev.ipc.testing.TestCommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link IpcAutoConfiguration}.
 */
class IpcAutoConfigurationTest {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues("ipc.endpoint=vault");

	private final ApplicationContextRunner inMemory = this.contextRunner.withPropertyValues(TestClients.IN_MEMORY);

	@Test
	void propertiesDefaultToTheFinishedStack() {
		IpcProperties defaults = new Binder(new MapConfigurationPropertySource()).bindOrCreate("ipc",
				IpcProperties.class);
		assertThat(defaults.enabled()).isTrue();
		assertThat(defaults.endpoint()).isNull();
		assertThat(defaults.transport().type()).isEqualTo(IpcProperties.TransportType.UNIX);
		assertThat(defaults.transport().role()).isEqualTo(IpcProperties.TransportRole.AUTO);
		assertThat(defaults.transport().path()).isNull();
		assertThat(defaults.transport().host()).isEqualTo("127.0.0.1");
		assertThat(defaults.transport().port()).isEqualTo(47600);
		assertThat(defaults.transport().allowNonLoopback()).isFalse();
		assertThat(defaults.transport().maxFrameSize().toMegabytes()).isEqualTo(1);
		assertThat(defaults.transport().outboundQueueCapacity()).isEqualTo(1024);
		assertThat(defaults.transport().reconnect().initialBackoff()).isEqualTo(Duration.ofMillis(100));
		assertThat(defaults.transport().reconnect().maxBackoff()).isEqualTo(Duration.ofSeconds(5));
		assertThat(defaults.transport().allowedUsers()).isEmpty();
		assertThat(defaults.crypto().provider()).isEqualTo(IpcProperties.CryptoProviderType.NOISE);
		assertThat(defaults.crypto().suite().protocolName()).isEqualTo("Noise_NN_25519_AESGCM_SHA256");
		assertThat(defaults.crypto().handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(defaults.crypto().rehandshakeInterval()).isEqualTo(Duration.ofSeconds(300));
		assertThat(defaults.sessions().store()).isEqualTo(IpcProperties.SessionStore.MEMORY);
		assertThat(defaults.sessions().file()).isNull();
		assertThat(defaults.sessions().secret()).isNull();
		assertThat(defaults.rpc().timeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(defaults.rpc().duplicateHandlerPolicy()).isEqualTo(DuplicateHandlerPolicy.FAIL);
		assertThat(defaults.rpc().concurrency()).isNull();
		assertThat(defaults.subscriber().queueCapacity()).isEqualTo(50);
		assertThat(defaults.subscriber().concurrency()).isEqualTo(1);
		assertThat(defaults.handlers().autoStartup()).isTrue();
		assertThat(defaults.discover().enabled()).isTrue();
		assertThat(defaults.discover().version()).isNull();
		assertThat(defaults.shutdown().gracePeriod()).isEqualTo(Duration.ofSeconds(10));
		assertThat(defaults.workerThreads()).isNull();
	}

	@Test
	void relaxedNamesBindEnumsDurationsAndSuites() {
		this.inMemory
			.withPropertyValues("ipc.crypto.suite=Noise_NN_25519_ChaChaPoly_BLAKE2s", "ipc.transport.role=PEER",
					"ipc.rpc.timeout=1500ms", "ipc.crypto.rehandshake-interval=60",
					"ipc.rpc.duplicate-handler-policy=replace", "ipc.transport.path=/run/ipc/test.sock",
					"ipc.transport.allowed-users=alice,bob", "ipc.sessions.secret=s3cret")
			.run((context) -> {
				IpcProperties properties = context.getBean(IpcProperties.class);
				assertThat(properties.transport().type()).isEqualTo(IpcProperties.TransportType.IN_MEMORY);
				assertThat(properties.crypto().suite())
					.isEqualTo(IpcProperties.NoiseSuite.NOISE_NN_25519_CHACHAPOLY_BLAKE2S);
				assertThat(properties.crypto().rehandshakeInterval()).isEqualTo(Duration.ofSeconds(60));
				assertThat(properties.transport().role()).isEqualTo(IpcProperties.TransportRole.PEER);
				assertThat(properties.rpc().timeout()).isEqualTo(Duration.ofMillis(1500));
				assertThat(properties.rpc().duplicateHandlerPolicy()).isEqualTo(DuplicateHandlerPolicy.REPLACE);
				assertThat(properties.transport().path()).hasToString("/run/ipc/test.sock");
				assertThat(properties.transport().allowedUsers()).containsExactly("alice", "bob");
				assertThat(properties.sessions().toString()).doesNotContain("s3cret");
			});
	}

	@Test
	void createsAndStartsClientWithInMemoryTransport() {
		this.inMemory.run((context) -> {
			assertThat(context).hasSingleBean(IpcClient.class)
				.hasSingleBean(InMemoryBus.class)
				.hasSingleBean(CommunicationBackend.class)
				.hasSingleBean(PayloadCodec.class)
				.hasSingleBean(IpcClientLifecycle.class)
				.hasSingleBean(IpcSubscriberRegistry.class)
				.hasSingleBean(IpcRpcHandlerRegistry.class)
				.hasSingleBean(IpcErrorRecorder.class)
				.hasBean(IpcHandlerAnnotationBeanPostProcessor.BEAN_NAME)
				.hasBean(IpcAutoConfiguration.EXECUTOR_BEAN_NAME);
			assertThat(context.getBean(CryptoProvider.class)).isInstanceOf(NoEncryptionCryptoProvider.class);
			assertThat(context.getBean(SessionRepository.class)).isInstanceOf(InMemorySessionRepository.class);
			assertThat(context.getBean(IpcClient.class).state()).isEqualTo(IpcClientState.RUNNING);
			assertThat(context.getBean(InMemoryBus.class).endpoints()).containsExactly(Endpoint.named("vault"));
		});
	}

	@Test
	void closingTheContextStopsAndClosesTheClient() {
		IpcClient[] client = new IpcClient[1];
		this.inMemory.run((context) -> client[0] = context.getBean(IpcClient.class));
		assertThat(client[0].state()).isEqualTo(IpcClientState.CLOSED);
	}

	@Test
	void disabledWithProperty() {
		this.inMemory.withPropertyValues("ipc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(IpcClient.class)
				.doesNotHaveBean(IpcProperties.class));
	}

	@Test
	void userDefinedBeansWin() {
		TestCommunicationBackend backend = new TestCommunicationBackend();
		this.contextRunner.withPropertyValues("ipc.crypto.provider=none")
			.withBean(CommunicationBackend.class, () -> backend)
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(InMemoryBus.class);
				assertThat(context.getBean(CommunicationBackend.class)).isSameAs(backend);
				assertThat(backend.receiverCount()).isEqualTo(1);
			});
		IpcClient own = IpcClient.builder()
			.backend(new TestCommunicationBackend())
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.build();
		this.inMemory.withBean("myClient", IpcClient.class, () -> own).run((context) -> {
			assertThat(context).getBean(IpcClient.class).isSameAs(own);
			assertThat(own.isRunning()).as("the lifecycle starts a user-defined client too").isTrue();
		});
		CryptoProvider<Void> crypto = new NoEncryptionCryptoProvider();
		this.contextRunner.withPropertyValues("ipc.transport.type=in-memory")
			.withBean("myCrypto", CryptoProvider.class, () -> crypto)
			.run((context) -> assertThat(context).hasNotFailed().getBean(CryptoProvider.class).isSameAs(crypto));
	}

	@Test
	void customizersAreAppliedInOrderAfterTheProperties() {
		List<String> calls = new ArrayList<>();
		this.inMemory.withBean("second", IpcClientCustomizer.class, () -> new OrderedCustomizer(2, "second", calls))
			.withBean("first", IpcClientCustomizer.class, () -> new OrderedCustomizer(1, "first", calls))
			.run((context) -> assertThat(calls).containsExactly("first", "second"));
	}

	@Order(0)
	private record OrderedCustomizer(int order, String name,
			List<String> calls) implements IpcClientCustomizer, org.springframework.core.Ordered {

		@Override
		public void customize(dev.ipc.client.IpcClientBuilder builder) {
			this.calls.add(this.name);
		}

		@Override
		public int getOrder() {
			return this.order;
		}

	}

	@Test
	void eventListenerBeansAreToldAboutTheClient() {
		List<IpcClientState> states = new ArrayList<>();
		this.inMemory.withBean(IpcEventListener.class, () -> new IpcEventListener() {
			@Override
			public void stateChanged(IpcClientState state, Throwable cause) {
				states.add(state);
			}
		}).run((context) -> assertThat(states).contains(IpcClientState.RUNNING));
	}

	@Test
	void usesBootsJsonMapperWhenPresent() {
		this.inMemory.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
			.withPropertyValues("spring.jackson.property-naming-strategy=SNAKE_CASE")
			.run((context) -> {
				assertThat(context).hasSingleBean(JsonMapper.class);
				PayloadCodec codec = context.getBean(PayloadCodec.class);
				assertThat(new String(codec.encode(new Named("x")))).isEqualTo("{\"first_name\":\"x\"}");
			});
		this.inMemory.run((context) -> {
			PayloadCodec codec = context.getBean(PayloadCodec.class);
			assertThat(new String(codec.encode(new Named("x")))).isEqualTo("{\"firstName\":\"x\"}");
		});
	}

	record Named(String firstName) {
	}

	@Test
	void endpointFallsBackToApplicationName() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
			.withPropertyValues(TestClients.IN_MEMORY)
			.withPropertyValues("spring.application.name=worker")
			.run((context) -> assertThat(context.getBean(InMemoryBus.class).endpoints())
				.containsExactly(Endpoint.named("worker")));
	}

	@Test
	void bitwardenEndpointNamesSelectThoseEndpoints() {
		this.inMemory.withPropertyValues("ipc.endpoint=DesktopMain")
			.run((context) -> assertThat(context.getBean(InMemoryBus.class).endpoints())
				.containsExactly(Endpoint.DESKTOP_MAIN));
	}

	@Test
	void missingEndpointFailsNamingTheProperty() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
			.withPropertyValues(TestClients.IN_MEMORY)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(IpcConfigurationException.class)
				.hasMessageContaining("ipc.endpoint")
				.hasMessageContaining("spring.application.name"));
	}

	@Test
	void defaultsAreAnEncryptedUnixSocket(@TempDir Path dir) {
		Path socket = dir.resolve("ipc.sock");
		this.contextRunner.withPropertyValues("ipc.transport.path=" + socket).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(CommunicationBackend.class)).isInstanceOf(SocketTransport.class);
			assertThat(((SocketTransport) context.getBean(CommunicationBackend.class)).currentRole())
				.isEqualTo(SocketTransportOptions.Role.HOST);
			assertThat(context.getBean(CryptoProvider.class)).isInstanceOf(NoiseCryptoProvider.class);
			assertThat(context.getBean(IpcClient.class).isRunning()).isTrue();
			assertThat(socket).exists();
		});
	}

	@Test
	void tcpTransportBindsTheConfiguredLoopbackPort() {
		this.contextRunner
			.withPropertyValues("ipc.transport.type=tcp", "ipc.transport.role=host", "ipc.transport.port=0")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				SocketTransport transport = (SocketTransport) context.getBean(CommunicationBackend.class);
				assertThat(transport.localTcpPort()).isPositive();
			});
	}

	@Test
	void configuredSuiteTimeoutsAndIntervalReachTheNoiseProvider() {
		this.inMemory
			.withPropertyValues("ipc.crypto.provider=noise", "ipc.crypto.suite=Noise_NN_25519_AESGCM_SHA256",
					"ipc.crypto.handshake-timeout=3s", "ipc.crypto.rehandshake-interval=60s")
			.run((context) -> {
				NoiseCryptoProvider provider = context.getBean(NoiseCryptoProvider.class);
				assertThat(provider.initiatorSuite()).isEqualTo(dev.ipc.crypto.noise.NoiseSuite.X25519_AESGCM_SHA256);
				assertThat(provider.handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
				assertThat(provider.rehandshakeInterval()).isEqualTo(Duration.ofSeconds(60));
			});
	}

	@Test
	void fileSessionsNeedAFileAndASecret() {
		this.inMemory.withPropertyValues("ipc.sessions.store=file")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(IpcConfigurationException.class)
				.hasMessageContaining("ipc.sessions.file"));
		this.inMemory.withPropertyValues("ipc.sessions.store=file", "ipc.sessions.file=/tmp/ipc-sessions.bin")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(IpcConfigurationException.class)
				.hasMessageContaining("ipc.sessions.secret")
				.hasMessageContaining("needs a secret"));
		this.inMemory
			.withPropertyValues("ipc.sessions.store=file", "ipc.sessions.file=/tmp/ipc-sessions.bin",
					"ipc.sessions.secret=s3cret")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(IpcConfigurationException.class)
				.hasMessageContaining("ipc.sessions.secret")
				.hasMessageNotContaining("s3cret"));
	}

	@Test
	void fileSessionsWithAFileAndASecretUseTheEncryptedStore(@TempDir Path dir) {
		this.inMemory
			.withPropertyValues("ipc.crypto.provider=noise", "ipc.sessions.store=file",
					"ipc.sessions.file=" + dir.resolve("sessions.store"),
					"ipc.sessions.secret=a-long-random-secret-from-the-environment")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(SessionRepository.class)).isInstanceOf(FileSessionRepository.class)
					.asString()
					.doesNotContain("a-long-random-secret");
			});
	}

	@Test
	void tcpOnANonLoopbackAddressMustBeAllowed() {
		this.contextRunner
			.withPropertyValues("ipc.crypto.provider=none", "ipc.transport.type=tcp", "ipc.transport.host=0.0.0.0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(IpcConfigurationException.class)
				.hasMessageContaining("ipc.transport.host")
				.hasMessageContaining("ipc.transport.allow-non-loopback=true"));
		this.contextRunner
			.withPropertyValues("ipc.crypto.provider=none", "ipc.transport.type=tcp", "ipc.transport.host=0.0.0.0",
					"ipc.transport.port=0", "ipc.transport.role=host", "ipc.transport.allow-non-loopback=true")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void invalidValuesFailValidation() {
		this.inMemory.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
			.withPropertyValues("ipc.subscriber.queue-capacity=0")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("ipc.subscriber.queue-capacity"));
	}

	@Test
	void doesNotSwitchOffBootsApplicationTaskExecutor() {
		this.inMemory.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class))
			.run((context) -> assertThat(context).hasBean("applicationTaskExecutor")
				.hasBean(IpcAutoConfiguration.EXECUTOR_BEAN_NAME));
	}

	@Test
	void userDefinedExecutorIsUsed() {
		SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("mine-");
		this.inMemory.withBean("myExecutor", IpcExecutorHolder.class, () -> IpcExecutorHolder.of(executor))
			.run((context) -> {
				assertThat(context).hasSingleBean(IpcExecutorHolder.class);
				assertThat(context.getBean(IpcExecutorHolder.class).getExecutor()).isSameAs(executor);
			});
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void virtualThreadsWhenEnabled() {
		this.inMemory.withPropertyValues("spring.threads.virtual.enabled=true")
			.run((context) -> assertThat(context.getBean(IpcExecutorHolder.class).toString()).contains("virtual"));
	}

	@Test
	void platformThreadsByDefault() {
		this.inMemory.withPropertyValues("ipc.worker-threads=3")
			.run((context) -> assertThat(context.getBean(IpcExecutorHolder.class).toString())
				.contains("3 to 256 platform threads"));
	}

	@Test
	void discoverAnswersWithTheBuildVersion() {
		InMemoryBus bus = new InMemoryBus();
		Properties build = new Properties();
		build.setProperty("version", "1.2.3");
		this.inMemory.withBean(InMemoryBus.class, () -> bus)
			.withBean(BuildProperties.class, () -> new BuildProperties(build))
			.run((context) -> assertThat(discover(bus)).isEqualTo("1.2.3"));
		this.inMemory.withBean(InMemoryBus.class, () -> bus)
			.withPropertyValues("spring.application.version=2.0.0")
			.run((context) -> assertThat(discover(bus)).isEqualTo("2.0.0"));
		this.inMemory.withBean(InMemoryBus.class, () -> bus)
			.withPropertyValues("ipc.discover.version=9", "spring.application.version=2.0.0")
			.run((context) -> assertThat(discover(bus)).isEqualTo("9"));
		this.inMemory.withBean(InMemoryBus.class, () -> bus)
			.run((context) -> assertThat(discover(bus)).isEqualTo(IpcAutoConfiguration.UNKNOWN_VERSION));
		this.inMemory.withBean(InMemoryBus.class, () -> bus)
			.withPropertyValues("ipc.discover.enabled=false")
			.run((context) -> assertThat(context.getBean(IpcClient.class).rpcHandlerNames()).isEmpty());
	}

	private static String discover(InMemoryBus bus) throws Exception {
		try (TestClients.Peer probe = TestClients.peer(bus, "probe")) {
			DiscoverResponse response = probe.client()
				.request(new DiscoverRequest(), Endpoint.named("vault"))
				.get(5, java.util.concurrent.TimeUnit.SECONDS);
			return response.version();
		}
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void startupFailureIsReportedWithDescriptionAndAction(CapturedOutput output) {
		SpringApplication application = new SpringApplication(MinimalApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run("--ipc.endpoint=vault", "--ipc.transport.type=tcp",
				"--ipc.transport.host=0.0.0.0", "--spring.main.banner-mode=off"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Invalid IPC configuration, property 'ipc.transport.host'")
			.contains("Action:")
			.contains("ipc.transport.allow-non-loopback=true");
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(IpcAutoConfiguration.class)
	static class MinimalApplication {

	}

	@Test
	void failureAnalyzerNamesPropertyAndAction() {
		var analysis = new IpcConfigurationFailureAnalyzer().analyze(new IllegalStateException("wrapped",
				new IpcConfigurationException("ipc.sessions.secret", "missing", "Set it")));
		assertThat(analysis.getDescription()).contains("ipc.sessions.secret").contains("missing");
		assertThat(analysis.getAction()).isEqualTo("Set it.");
	}

}
