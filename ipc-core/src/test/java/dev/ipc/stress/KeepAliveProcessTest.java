package dev.ipc.stress;

import dev.ipc.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.stress.StressPayloads.Echo;
import dev.ipc.stress.StressPayloads.EchoReply;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * A plain-Java application ({@link StressNode}) whose {@code main} returns right after
 * starting its client stays alive, serving, until the client is closed: by a shutdown
 * hook on SIGTERM, or by the application itself (stdin closed); with
 * {@code keepJvmAlive(false)} it ends with {@code main}. This test's JVM is the host.
 */
class KeepAliveProcessTest {

	private static final Duration START = Duration.ofSeconds(60);

	private static final Duration EXIT = Duration.ofSeconds(30);

	@TempDir
	Path dir;

	private SocketTransport host;

	private IpcClient hostClient;

	private final List<ChildJvm> children = new ArrayList<>();

	@BeforeEach
	void openHost() throws Exception {
		host = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named("host"))
			.unixSocket(dir.resolve("ipc.sock"))
			.role(Role.HOST)
			.build());
		hostClient = IpcClient.builder().backend(host).name("keep-alive-test-host").build();
		hostClient.registerRpcHandler(Echo.class, (request, context) -> new EchoReply(request.text(), "host"));
		hostClient.start();
	}

	@AfterEach
	void closeAll() throws Exception {
		for (ChildJvm child : children) {
			child.kill();
		}
		hostClient.close();
		host.close();
	}

	private ChildJvm node(String name, String... extra) throws Exception {
		List<String> args = new ArrayList<>(List.of("PEER", dir.resolve("ipc.sock").toString(), name));
		args.addAll(List.of(extra));
		ChildJvm child = ChildJvm.start(name, StressNode.class, args);
		children.add(child);
		return child;
	}

	private EchoReply echo(String to, String text) throws Exception {
		return hostClient.request(new Echo(text), Endpoint.named(to)).get(60, TimeUnit.SECONDS);
	}

	@Test
	void aClientStartedByAMainThatReturnedKeepsTheJvmServingUntilSigterm() throws Exception {
		ChildJvm node = node("served");
		node.awaitLine(0, l -> l.equals("MAIN-RETURNED served"), START);
		node.awaitLine(0, l -> l.startsWith("READY served"), START);
		// main has returned; only the client's keep-alive thread holds the JVM, and it
		// serves
		assertThat(echo("served", "after-main")).isEqualTo(new EchoReply("after-main", "served"));
		assertThat(node.isAlive()).isTrue();
		assertThat(node.call("rpc host back", START)).isEqualTo("RPC-OK back host");

		node.terminate();
		OptionalInt exit = node.awaitExit(EXIT);
		assertThat(exit).as("the JVM ends on SIGTERM").isPresent();
		assertThat(exit.getAsInt()).isEqualTo(143); // 128 + SIGTERM: the JVM's exit after
													// running its hooks
		node.awaitLine(0, l -> l.equals("CLOSED served"), EXIT); // the shutdown hook
																	// closed the client
	}

	@Test
	void closingTheClientLetsTheJvmEnd() throws Exception {
		ChildJvm node = node("closer");
		node.awaitLine(0, l -> l.startsWith("READY closer"), START);
		assertThat(echo("closer", "x").by()).isEqualTo("closer");
		node.closeStdin(); // the node closes its client and its transport, nothing else
		OptionalInt exit = node.awaitExit(EXIT);
		assertThat(exit).as("the JVM ends once the client is closed").isPresent();
		assertThat(exit.getAsInt()).isZero();
	}

	@Test
	void withoutKeepAliveTheJvmEndsWithMain() throws Exception {
		ChildJvm node = node("brief", "no-keep-alive");
		OptionalInt exit = node.awaitExit(EXIT);
		assertThat(exit).as("nothing keeps the JVM alive once main returned").isPresent();
		assertThat(exit.getAsInt()).isZero();
		node.awaitLine(0, l -> l.equals("MAIN-RETURNED brief"), EXIT);
	}

}
