package dev.ipc.spring.boot.autoconfigure;

import dev.ipc.spring.test.TestClients;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nonsense values fail startup with the property and the fix even without a Bean
 * Validation provider on the class path (issue: {@code ipc.worker-threads=0} used to be
 * accepted then).
 */
class IpcPropertiesRangeTest {

	private final ApplicationContextRunner withoutValidator = new ApplicationContextRunner()
		.withClassLoader(new FilteredClassLoader("org.hibernate.validator", "jakarta.validation"))
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=app");

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "ipc.worker-threads=0|ipc.worker-threads|must be at least 1, was 0",
			"ipc.transport.port=70000|ipc.transport.port|must be between 0 and 65535, was 70000",
			"ipc.transport.max-connections=0|ipc.transport.max-connections|must be at least 1",
			"ipc.transport.max-pending-per-user=-1|ipc.transport.max-pending-per-user|must be at least 0",
			"ipc.transport.idle-eviction-after=0s|ipc.transport.idle-eviction-after|must be a positive duration",
			"ipc.transport.max-frame-size=0B|ipc.transport.max-frame-size|must be a positive size",
			"ipc.transport.reconnect.max-backoff=10ms|ipc.transport.reconnect.max-backoff|is shorter than",
			"ipc.crypto.handshake-timeout=-1s|ipc.crypto.handshake-timeout|must be a positive duration",
			"ipc.rpc.timeout=0s|ipc.rpc.timeout|must be a positive duration",
			"ipc.rpc.concurrency=0|ipc.rpc.concurrency|must be at least 1",
			"ipc.subscriber.queue-capacity=0|ipc.subscriber.queue-capacity|must be at least 1",
			"ipc.subscriber.concurrency=0|ipc.subscriber.concurrency|must be at least 1",
			"ipc.shutdown.grace-period=-5s|ipc.shutdown.grace-period|must not be negative" })
	void nonsenseFailsStartupSayingWhatToChange(String setting, String property, String description) {
		this.withoutValidator.withPropertyValues(setting).run(context -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new IpcConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains(property).contains(description);
			assertThat(analysis.getAction()).contains(property);
		});
	}

	@ParameterizedTest
	@CsvSource({ "ipc.worker-threads=1", "ipc.transport.port=0", "ipc.shutdown.grace-period=0s",
			"ipc.transport.max-connections-per-user=0" })
	void theEdgesOfEachRangeAreAccepted(String setting) {
		this.withoutValidator.withPropertyValues(setting).run(context -> assertThat(context).hasNotFailed());
	}

}
