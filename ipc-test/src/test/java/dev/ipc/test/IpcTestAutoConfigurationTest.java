package dev.ipc.test;

import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class IpcTestAutoConfigurationTest {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, IpcTestAutoConfiguration.class))
		.withPropertyValues("ipc.transport.type=in-memory", "ipc.endpoint=app");

	@Test
	void addsAStartedTestClient() {
		this.runner.run(context -> {
			assertThat(context).hasSingleBean(IpcTestClient.class);
			assertThat(context.getBean(IpcTestClient.class).client().isRunning()).isTrue();
		});
	}

	@Test
	void closesTheTestClientWithTheContext() {
		IpcTestClient[] client = new IpcTestClient[1];
		this.runner.run(context -> client[0] = context.getBean(IpcTestClient.class));
		assertThat(client[0].client().isRunning()).isFalse();
	}

	@Test
	void backsOffWithoutAnInMemoryBus() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, IpcTestAutoConfiguration.class))
			.withPropertyValues("ipc.transport.type=tcp", "ipc.transport.port=0", "ipc.enabled=false")
			.run(context -> assertThat(context).doesNotHaveBean(IpcTestClient.class));
	}

	@Test
	void refusesAClientNamedLikeTheApplication() {
		this.runner.withPropertyValues("ipc.test.client-endpoint=app")
			.run(context -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("both 'app'")
				.hasMessageContaining("@AutoConfigureIpcTest(clientEndpoint = ...)"));
	}

	@Test
	void refusesANonsenseTimeout() {
		this.runner.withPropertyValues("ipc.test.timeout=0s")
			.run(context -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("must be positive"));
	}

}
