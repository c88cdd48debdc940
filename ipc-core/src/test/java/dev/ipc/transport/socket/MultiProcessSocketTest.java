package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * A host and two peers as separate JVMs ({@link SocketTestNode}) over a real Unix socket:
 * messaging and RPC in every direction, a peer killed with SIGKILL and restarted, the
 * host killed and restarted.
 */
class MultiProcessSocketTest {

	private static final Duration START = Duration.ofSeconds(30);

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String USER = System.getProperty("user.name");

	@TempDir
	Path dir;

	private final List<NodeProcess> nodes = new ArrayList<>();

	@AfterEach
	void stopAll() throws Exception {
		for (NodeProcess node : nodes) {
			node.kill();
		}
	}

	private NodeProcess start(Role role, String name) throws Exception {
		NodeProcess node = NodeProcess.start(role, dir.resolve("ipc.sock"), name);
		nodes.add(node);
		return node;
	}

	private static void assertRpc(NodeProcess from, String to) throws Exception {
		assertThat(from.call("rpc " + to + " hello", WAIT)).startsWith("RPC-OK hello " + to + " ");
	}

	/**
	 * Retries an RPC until it succeeds: used while a peer reconnects on its own schedule.
	 */
	private static void awaitRpc(NodeProcess from, String to) {
		await().atMost(WAIT)
			.pollInterval(Duration.ofMillis(100))
			.until(() -> from.call("rpc " + to + " hello", WAIT).startsWith("RPC-OK"));
	}

	@Test
	void hostAndPeersTalkAndAKilledPeerComesBack() throws Exception {
		NodeProcess host = start(Role.HOST, "host");
		NodeProcess alpha = start(Role.PEER, "alpha");
		NodeProcess beta = start(Role.PEER, "beta");
		host.awaitReady(START);
		alpha.awaitReady(START);
		beta.awaitReady(START);
		await().atMost(WAIT).until(() -> alpha.call("peers", WAIT).equals("PEERS alpha,beta,host"));

		// RPC host <-> peer and peer <-> peer, with the caller's verified source
		assertThat(alpha.call("rpc host a2h", WAIT)).isEqualTo("RPC-OK a2h host Named[name=alpha,_user=" + USER + "]");
		assertRpc(host, "alpha");
		assertRpc(alpha, "beta");
		assertThat(beta.call("rpc alpha b2a", WAIT)).isEqualTo("RPC-OK b2a alpha Named[name=beta,_user=" + USER + "]");

		// pub/sub both ways, with replies
		assertThat(alpha.call("pub beta ping:1", WAIT)).isEqualTo("PUB-OK");
		beta.awaitLine(l -> l.equals("GOT alpha ping:1"), WAIT);
		alpha.awaitLine(l -> l.equals("GOT beta pong:1"), WAIT);
		assertThat(host.call("pub alpha ping:2", WAIT)).isEqualTo("PUB-OK");
		host.awaitLine(l -> l.equals("GOT alpha pong:2"), WAIT);

		// requests in flight to beta when it is killed fail at once, long before their
		// 5-minute timeout
		String fromAlpha = alpha.send("hang beta");
		String fromHost = host.send("hang beta");
		alpha.awaitLine(l -> l.equals(fromAlpha + " HANG-SENT"), WAIT);
		host.awaitLine(l -> l.equals(fromHost + " HANG-SENT"), WAIT);
		beta.kill();
		alpha.awaitLine(l -> l.equals(fromAlpha + " HANG-ERR IpcUnreachableException"), WAIT);
		host.awaitLine(l -> l.equals(fromHost + " HANG-ERR IpcUnreachableException"), WAIT);
		alpha.awaitLine(l -> l.equals("LEFT beta"), WAIT);
		assertThat(alpha.call("rpc beta gone", WAIT)).isEqualTo("RPC-ERR IpcUnreachableException");
		assertThat(alpha.call("pub beta gone", WAIT)).isEqualTo("PUB-ERR IpcUnreachableException");

		// the others keep working
		assertRpc(alpha, "host");
		assertRpc(host, "alpha");

		// beta restarts under the same name: reachable again, and its first RPC succeeds
		NodeProcess beta2 = start(Role.PEER, "beta");
		beta2.awaitReady(START);
		assertRpc(beta2, "host");
		assertRpc(beta2, "alpha");
		await().atMost(WAIT).until(() -> alpha.call("peers", WAIT).equals("PEERS alpha,beta,host"));
		assertRpc(alpha, "beta");
		assertRpc(host, "beta");
		assertThat(alpha.call("pub beta ping:3", WAIT)).isEqualTo("PUB-OK");
		alpha.awaitLine(l -> l.equals("GOT beta pong:3"), WAIT);
	}

	@Test
	void peersReconnectToARestartedHostOnTheirOwn() throws Exception {
		NodeProcess host = start(Role.HOST, "host");
		NodeProcess alpha = start(Role.PEER, "alpha");
		NodeProcess beta = start(Role.PEER, "beta");
		host.awaitReady(START);
		alpha.awaitReady(START);
		beta.awaitReady(START);
		assertRpc(alpha, "host");
		assertRpc(beta, "alpha");

		// a pending request to the host fails when it dies
		String pending = alpha.send("hang host");
		alpha.awaitLine(l -> l.equals(pending + " HANG-SENT"), WAIT);
		host.kill();
		alpha.awaitLine(l -> l.equals(pending + " HANG-ERR IpcUnreachableException"), WAIT);
		alpha.awaitLine(l -> l.equals("LEFT host"), WAIT);
		beta.awaitLine(l -> l.equals("LEFT host"), WAIT);
		assertThat(alpha.call("role", WAIT)).isEqualTo("ROLE PEER false");
		assertThat(alpha.call("rpc beta nobody-routes", WAIT)).isEqualTo("RPC-ERR IpcUnreachableException");

		// the killed host left its socket file behind; the new one replaces it and the
		// peers come back by themselves
		NodeProcess host2 = start(Role.HOST, "host");
		host2.awaitReady(START);
		awaitRpc(alpha, "host");
		awaitRpc(beta, "host");
		assertRpc(alpha, "beta");
		assertRpc(beta, "alpha");
		assertRpc(host2, "alpha");
		assertRpc(host2, "beta");
	}

}
