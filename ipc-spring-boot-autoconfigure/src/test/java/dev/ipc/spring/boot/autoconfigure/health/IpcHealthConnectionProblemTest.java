package dev.ipc.spring.boot.autoconfigure.health;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.testing.TestCommunicationBackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The health of a peer that cannot reach its host says why (issue 9, A6).
 */
class IpcHealthConnectionProblemTest {

	@TempDir
	Path dir;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class,
				IpcHealthContributorAutoConfiguration.class, HealthContributorAutoConfiguration.class))
		.withPropertyValues("ipc.endpoint=worker", "ipc.crypto.provider=none");

	@Test
	void aPeerPointedAtAWrongSocketPathIsDownWithTheReason() {
		Path wrong = this.dir.resolve("no-such-dir").resolve("ipc.sock");
		this.contextRunner
			.withPropertyValues("ipc.transport.type=unix", "ipc.transport.role=peer", "ipc.transport.path=" + wrong)
			.run((context) -> {
				IpcHealthIndicator indicator = context.getBean(IpcHealthIndicator.class);
				await().atMost(Duration.ofSeconds(10))
					.until(() -> indicator.health(true).getDetails().containsKey("connectionProblem"));
				Health health = indicator.health(true);
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(health.getDetails()).containsEntry("connected", false);
				assertThat(health.getDetails().get("connectionProblem")).asString()
					.contains("no socket file")
					.contains(wrong.toString());
			});
	}

	@Test
	void aConnectedTransportShowsNoProblem() {
		TestCommunicationBackend delegate = new TestCommunicationBackend();
		CommunicationBackend backend = new CommunicationBackend() {
			@Override
			public void send(OutgoingMessage message) {
				delegate.send(message);
			}

			@Override
			public BackendReceiver subscribe() {
				return delegate.subscribe();
			}

			@Override
			public Optional<String> lastConnectionProblem() {
				return Optional.of("stale");
			}

			@Override
			public void close() {
				delegate.close();
			}
		};
		this.contextRunner.withBean(CommunicationBackend.class, () -> backend)
			.run((context) -> assertThat(context.getBean(IpcHealthIndicator.class).health(true).getDetails())
				.doesNotContainKey("connectionProblem"));
	}

}
