package dev.ipc.spring.boot.autoconfigure;

import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spring.test.TestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ipc.max-message-size} (issue 11): 16 MiB by default, passed to the Noise
 * provider, and validated at startup with the property and the fix.
 */
class IpcMaxMessageSizeTest {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=app", "ipc.crypto.provider=noise");

	private static int maxMessageSize(CryptoProvider<?> provider) {
		return ((NoiseCryptoProvider) provider).maxMessageSize();
	}

	@Test
	void theDefaultIs16MiB() {
		this.runner.run(context -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(IpcProperties.class).maxMessageSize().toBytes()).isEqualTo(16L * 1024 * 1024);
			assertThat(maxMessageSize(context.getBean(CryptoProvider.class))).isEqualTo(16 * 1024 * 1024);
		});
	}

	@Test
	void theConfiguredSizeReachesTheNoiseProvider() {
		this.runner.withPropertyValues("ipc.max-message-size=1MB")
			.run(context -> assertThat(maxMessageSize(context.getBean(CryptoProvider.class))).isEqualTo(1024 * 1024));
	}

	@ParameterizedTest
	@ValueSource(strings = { "0B", "2GB" })
	void nonsenseFailsStartupSayingWhatToChange(String value) {
		this.runner.withPropertyValues("ipc.max-message-size=" + value).run(context -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new IpcConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains("ipc.max-message-size").contains("must be between 1 and");
			assertThat(analysis.getAction()).contains("ipc.max-message-size");
		});
	}

}
