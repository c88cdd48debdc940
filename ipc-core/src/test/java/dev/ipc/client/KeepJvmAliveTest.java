package dev.ipc.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.support.ProgrammableCryptoProvider;
import dev.ipc.testing.TestCommunicationBackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A running client holds exactly one non-daemon thread ({@code <name>-keep-alive}) so
 * that the JVM does not exit while it serves; stopping, closing or a fatal error releases
 * it. The real-JVM side is in {@code dev.ipc.stress.KeepAliveProcessTest}.
 */
class KeepJvmAliveTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private final TestCommunicationBackend backend = new TestCommunicationBackend();

	private final List<IpcClient> clients = new ArrayList<>();

	@AfterEach
	void closeClients() {
		clients.forEach(IpcClient::close);
	}

	private IpcClient client(String name, boolean keepAlive) {
		IpcClient client = IpcClient.builder()
			.backend(backend)
			.name(name)
			.keepJvmAlive(keepAlive)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.build();
		clients.add(client);
		return client;
	}

	private static List<Thread> keepAliveThreads(String name) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(t -> t.getName().equals(name + "-keep-alive") && t.isAlive())
			.toList();
	}

	private static void awaitNoKeepAlive(String name) {
		await().atMost(WAIT).until(() -> keepAliveThreads(name).isEmpty());
	}

	@Test
	void oneNonDaemonThreadWhileRunningOnly() {
		IpcClient client = client("ka-basic", true);
		assertThat(keepAliveThreads("ka-basic")).as("before start").isEmpty();
		client.start();
		assertThat(keepAliveThreads("ka-basic")).singleElement().satisfies(t -> assertThat(t.isDaemon()).isFalse());
		client.stop();
		awaitNoKeepAlive("ka-basic");
	}

	@Test
	void everyRestartHasOneThreadAndCloseEndsIt() {
		IpcClient client = client("ka-cycles", true);
		for (int i = 0; i < 5; i++) {
			client.start();
			assertThat(keepAliveThreads("ka-cycles")).hasSize(1);
			client.stop();
			awaitNoKeepAlive("ka-cycles");
		}
		client.start();
		assertThat(keepAliveThreads("ka-cycles")).hasSize(1);
		client.close();
		awaitNoKeepAlive("ka-cycles");
	}

	@Test
	void closeOfARunningClientEndsIt() {
		IpcClient client = client("ka-close", true);
		client.start();
		assertThat(keepAliveThreads("ka-close")).hasSize(1);
		client.close();
		awaitNoKeepAlive("ka-close");
		assertThat(client.state()).isEqualTo(IpcClientState.CLOSED);
	}

	@Test
	void aFatalStopEndsIt() {
		IpcClient client = IpcClient.builder()
			.backend(backend)
			.name("ka-fatal")
			.crypto(new ProgrammableCryptoProvider().failReceives(new IpcException(ErrorKind.FATAL, "boom")),
					new InMemorySessionRepository<>())
			.build();
		clients.add(client);
		client.start();
		await().atMost(WAIT).until(() -> client.state() == IpcClientState.STOPPED);
		awaitNoKeepAlive("ka-fatal");
		assertThat(client.lastFatalError()).isPresent();
	}

	@Test
	void disabledMeansNoThread() {
		IpcClient client = client("ka-off", false);
		client.start();
		assertThat(client.isRunning()).isTrue();
		assertThat(keepAliveThreads("ka-off")).isEmpty();
		client.stop();
		client.start();
		assertThat(keepAliveThreads("ka-off")).isEmpty();
	}

	@Test
	void theClientsOtherThreadsAreDaemons() {
		IpcClient client = client("ka-daemons", true);
		client.start();
		List<Thread> nonDaemon = new ArrayList<>();
		for (Thread t : Thread.getAllStackTraces().keySet()) {
			if (t.getName().startsWith("ka-daemons") && !t.getName().equals("ka-daemons-keep-alive") && !t.isDaemon()) {
				nonDaemon.add(t);
			}
		}
		assertThat(nonDaemon).isEmpty();
		assertThat(keepAliveThreads("ka-daemons")).hasSize(1);
	}

}
