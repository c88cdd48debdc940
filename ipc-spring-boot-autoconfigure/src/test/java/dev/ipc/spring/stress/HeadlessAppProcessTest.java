package dev.ipc.spring.stress;

import dev.ipc.testing.ChildJvm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A headless application ({@code spring.main.web-application-type=none},
 * {@link HeadlessApp}) in its own JVM stays up after {@code main} returned because its
 * IPC client runs ({@code ipc.keep-alive}, default true), serves an RPC, and exits
 * cleanly on SIGTERM; with {@code ipc.keep-alive=false} it ends right after startup.
 */
class HeadlessAppProcessTest {

	private static final Duration START = Duration.ofSeconds(90);

	private static final Duration EXIT = Duration.ofSeconds(30);

	@TempDir
	Path dir;

	private final List<AutoCloseable> resources = new ArrayList<>();

	@AfterEach
	void closeAll() throws Exception {
		for (int i = this.resources.size() - 1; i >= 0; i--) {
			this.resources.get(i).close();
		}
	}

	private ChildJvm app(String... extra) throws Exception {
		List<String> args = new ArrayList<>(List.of("--spring.main.web-application-type=none", "--ipc.endpoint=vault",
				"--ipc.transport.role=host", "--ipc.transport.path=" + dir.resolve("ipc.sock")));
		args.addAll(List.of(extra));
		ChildJvm child = ChildJvm.start("vault", HeadlessApp.class, args);
		resources.add(child::kill);
		return child;
	}

	@Test
	void staysUpServesAndExitsCleanlyOnSigterm() throws Exception {
		ChildJvm vault = app();
		vault.awaitLine(0, (l) -> l.equals("MAIN-RETURNED vault"), START);
		SocketTransport transport = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named("caller"))
			.unixSocket(this.dir.resolve("ipc.sock"))
			.role(Role.PEER)
			.build());
		resources.add(transport);
		IpcClient caller = IpcClient.builder().backend(transport).name("caller").keepJvmAlive(false).build();
		resources.add(caller);
		caller.start();
		assertThat(transport.awaitConnected(START)).isTrue();
		// main has returned: the application is up because its client runs, and it serves
		assertThat(caller.request(new Echo("hello"), Endpoint.named("vault")).get(60, TimeUnit.SECONDS))
			.isEqualTo("hello vault");
		assertThat(vault.isAlive()).isTrue();

		vault.terminate();
		assertThat(vault.awaitExit(EXIT)).as("ends on SIGTERM").hasValue(143);
		vault.awaitLine(0, (l) -> l.equals("CLOSED vault"), EXIT); // the context was
																	// closed by Boot's
																	// shutdown hook
	}

	@Test
	void withoutKeepAliveItEndsRightAfterStartup() throws Exception {
		ChildJvm vault = app("--ipc.keep-alive=false");
		assertThat(vault.awaitExit(START)).as("nothing keeps the JVM alive").hasValue(0);
		vault.awaitLine(0, (l) -> l.equals("MAIN-RETURNED vault"), EXIT);
		vault.awaitLine(0, (l) -> l.equals("CLOSED vault"), EXIT);
	}

}
