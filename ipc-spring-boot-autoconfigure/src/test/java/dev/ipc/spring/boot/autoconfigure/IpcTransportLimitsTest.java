package dev.ipc.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.ipc.spi.CommunicationBackend;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The host's connection limits ({@code ipc.transport.max-connections} and friends) reach
 * the socket transport, and inconsistent ones fail at startup naming the setting.
 */
class IpcTransportLimitsTest {

	@TempDir
	Path dir;

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
			.withPropertyValues("ipc.endpoint=vault", "ipc.crypto.provider=none", "ipc.transport.type=unix",
					"ipc.transport.role=host", "ipc.transport.path=" + this.dir.resolve("run").resolve("ipc.sock"));
	}

	@Test
	void defaultsMatchTheTransportDefaults() {
		runner().run((context) -> {
			SocketTransportOptions options = ((SocketTransport) context.getBean(CommunicationBackend.class)).options();
			assertThat(options.maxConnections()).isEqualTo(SocketTransportOptions.DEFAULT_MAX_CONNECTIONS);
			assertThat(options.maxPendingConnections())
				.isEqualTo(SocketTransportOptions.DEFAULT_MAX_PENDING_CONNECTIONS);
			assertThat(options.maxConnectionsPerUser()).isEqualTo(SocketTransportOptions.DEFAULT_MAX_CONNECTIONS);
			assertThat(options.idleEvictionAfter()).isEqualTo(SocketTransportOptions.DEFAULT_IDLE_EVICTION_AFTER);
		});
	}

	@Test
	void limitsAreMapped() {
		runner()
			.withPropertyValues("ipc.transport.max-connections=20", "ipc.transport.max-pending-connections=6",
					"ipc.transport.max-connections-per-user=5", "ipc.transport.max-pending-per-user=2",
					"ipc.transport.idle-eviction-after=3s")
			.run((context) -> {
				SocketTransportOptions options = ((SocketTransport) context.getBean(CommunicationBackend.class))
					.options();
				assertThat(options.maxConnections()).isEqualTo(20);
				assertThat(options.maxPendingConnections()).isEqualTo(6);
				assertThat(options.maxConnectionsPerUser()).isEqualTo(5);
				assertThat(options.maxPendingPerUser()).isEqualTo(2);
				assertThat(options.idleEvictionAfter()).isEqualTo(Duration.ofSeconds(3));
			});
	}

	@Test
	void aQuotaAboveTheCapFailsAtStartup() {
		runner().withPropertyValues("ipc.transport.max-connections=4", "ipc.transport.max-connections-per-user=5")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("maxConnectionsPerUser must be 1-4"));
	}

}
