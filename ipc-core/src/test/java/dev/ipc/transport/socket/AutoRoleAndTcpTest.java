package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.transport.socket.SocketTestSupport.Echo;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * The AUTO role (single-instance pattern, stale sockets, take-over) and the TCP variant
 * of the transport.
 */
class AutoRoleAndTcpTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@TempDir
	Path dir;

	private SocketFixture fx;

	@BeforeEach
	void setUp() {
		fx = new SocketFixture(dir.resolve("ipc.sock"));
	}

	@AfterEach
	void tearDown() {
		fx.close();
	}

	private static String echo(IpcClient from, String to) throws Exception {
		return from.request(new Echo("hi"), Endpoint.named(to)).get(10, TimeUnit.SECONDS).by();
	}

	@Test
	void anAutoTransportBecomesTheHostWhenNoneAnswers() throws Exception {
		SocketTransport first = fx.transport("first", Role.AUTO);
		assertThat(first.currentRole()).isEqualTo(Role.HOST);
		assertThat(first.isConnected()).isTrue();
		assertThat(fx.socket()).exists();
		assertThat(first.stats().staleSocketsReplaced()).isZero();
	}

	@Test
	void anAutoTransportBecomesAPeerWhenALiveHostAnswers() throws Exception {
		IpcClient host = fx.client(fx.transport("host", Role.HOST));
		SocketTransport second = fx.transport("second", Role.AUTO);
		assertThat(second.currentRole()).isEqualTo(Role.PEER);
		IpcClient client = fx.client(second);
		assertThat(echo(client, "host")).isEqualTo("host");
		assertThat(echo(host, "second")).isEqualTo("second");
	}

	@Test
	void aStaleSocketFileLeftByACrashedHostIsReplaced() throws Exception {
		// a host that died without cleaning up: its socket file stays, nobody listens
		try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			crashed.bind(UnixDomainSocketAddress.of(fx.socket()));
		}
		assertThat(fx.socket()).exists();
		SocketTransport auto = fx.transport("auto", Role.AUTO);
		assertThat(auto.currentRole()).isEqualTo(Role.HOST);
		assertThat(auto.stats().staleSocketsReplaced()).isEqualTo(1);
		IpcClient peer = fx.client(fx.transport("peer", Role.PEER));
		fx.client(auto);
		assertThat(echo(peer, "auto")).isEqualTo("auto");

		// the explicit HOST role replaces a stale file too
		auto.close();
		try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			crashed.bind(UnixDomainSocketAddress.of(fx.socket()));
		}
		SocketTransport host = fx.transport("host", Role.HOST);
		assertThat(host.stats().staleSocketsReplaced()).isEqualTo(1);
	}

	@Test
	void aLiveHostIsNeverDisplaced() throws Exception {
		SocketTransport host = fx.transport("host", Role.HOST);
		fx.client(host);
		Object inode = Files.getAttribute(fx.socket(), "unix:ino");

		assertThatThrownBy(() -> fx.transport("usurper", Role.HOST)).isInstanceOf(IOException.class)
			.hasMessageContaining("Another host holds");
		SocketTransport auto = fx.transport("auto", Role.AUTO);
		assertThat(auto.currentRole()).isEqualTo(Role.PEER);

		assertThat(Files.getAttribute(fx.socket(), "unix:ino")).isEqualTo(inode);
		IpcClient late = fx.client(fx.transport("late", Role.PEER));
		assertThat(echo(late, "host")).isEqualTo("host");
		assertThat(host.reachableEndpoints()).contains(Endpoint.named("auto"), Endpoint.named("late"));
	}

	@Test
	void autoTransportsStartingTogetherElectExactlyOneHost() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(5);
		try {
			List<Future<SocketTransport>> opening = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				String name = "racer-" + i;
				opening.add(pool.submit((Callable<SocketTransport>) () -> fx.transport(name, Role.AUTO)));
			}
			List<SocketTransport> all = new ArrayList<>();
			for (Future<SocketTransport> future : opening) {
				all.add(future.get(30, TimeUnit.SECONDS));
			}
			for (SocketTransport transport : all) {
				assertThat(transport.awaitConnected(WAIT)).isTrue();
			}
			assertThat(all.stream().filter(t -> t.currentRole() == Role.HOST).count()).isEqualTo(1);
			SocketTransport host = all.stream().filter(t -> t.currentRole() == Role.HOST).findFirst().orElseThrow();
			await().atMost(WAIT).until(() -> host.reachableEndpoints().size() == 5);
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void anAutoPeerTakesOverWhenTheHostGoesAway() throws Exception {
		SocketTransport first = fx.transport("first", Role.AUTO);
		SocketTransport second = fx.transport("second", Role.AUTO);
		assertThat(first.currentRole()).isEqualTo(Role.HOST);
		assertThat(second.currentRole()).isEqualTo(Role.PEER);
		IpcClient secondClient = fx.client(second);

		first.close();
		await().atMost(WAIT).until(() -> second.currentRole() == Role.HOST);
		IpcClient third = fx.client(fx.transport("third", Role.AUTO));
		assertThat(echo(third, "second")).isEqualTo("second");
		assertThat(echo(secondClient, "third")).isEqualTo("third");
	}

	// ------------------------------------------------------------------ TCP

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private SocketTransport tcp(String name, Role role, int port) throws IOException {
		return fx.track(SocketTransport.open(fx.options(name, role).tcp(port).build()));
	}

	@Test
	void hostAndPeersTalkOverLoopbackTcp() throws Exception {
		SocketTransport hostTransport = tcp("host", Role.HOST, 0);
		int port = hostTransport.localTcpPort();
		assertThat(port).isPositive();
		IpcClient host = fx.client(hostTransport);
		IpcClient alpha = fx.client(tcp("alpha", Role.PEER, port));
		IpcClient beta = fx.client(tcp("beta", Role.PEER, port));
		await().atMost(WAIT).until(() -> hostTransport.reachableEndpoints().size() == 3);
		assertThat(echo(alpha, "host")).isEqualTo("host");
		assertThat(echo(host, "beta")).isEqualTo("beta");
		assertThat(echo(beta, "alpha")).isEqualTo("alpha");
		// TCP has no peer credentials: the source names the endpoint only
		assertThat(alpha.request(new Echo("x"), Endpoint.named("host")).get(10, TimeUnit.SECONDS).callerSource())
			.isEqualTo(new dev.ipc.model.Source.Named("alpha", null).toString());
	}

	@Test
	void autoRoleWorksOverTcp() throws Exception {
		int port = freePort();
		SocketTransport first = tcp("first", Role.AUTO, port);
		SocketTransport second = tcp("second", Role.AUTO, port);
		assertThat(first.currentRole()).isEqualTo(Role.HOST);
		assertThat(second.currentRole()).isEqualTo(Role.PEER);
		first.close();
		await().atMost(WAIT).until(() -> second.currentRole() == Role.HOST);
	}

	@Test
	void optionsAreValidated() {
		java.util.function.Supplier<SocketTransportOptions.Builder> base = () -> SocketTransportOptions.builder()
			.endpoint(Endpoint.named("x"));
		assertThatThrownBy(() -> SocketTransportOptions.builder().tcp(1).build())
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("endpoint");
		assertThatThrownBy(() -> base.get().build()).hasMessageContaining("address");
		assertThatThrownBy(() -> base.get().tcp("10.1.2.3", 9000).build()).hasMessageContaining("allowNonLoopback");
		assertThatThrownBy(() -> base.get().tcp("example.org", 9000).build()).hasMessageContaining("allowNonLoopback");
		assertThat(base.get().tcp("10.1.2.3", 9000).allowNonLoopback(true).role(Role.PEER).build().tcpHost())
			.isEqualTo("10.1.2.3");
		assertThat(base.get().tcp("::1", 9000).allowNonLoopback(false).build().tcpPort()).isEqualTo(9000);
		assertThatThrownBy(() -> base.get().tcp(0).role(Role.AUTO).build()).hasMessageContaining("port 0");
		assertThatThrownBy(() -> base.get().unixSocket(Path.of("/tmp/" + "x".repeat(120))).build())
			.hasMessageContaining("too long");
		assertThatThrownBy(() -> base.get().unixSocket(Path.of("/tmp/a.sock")).maxFrameBytes(1000).build())
			.hasMessageContaining("maxFrameBytes");
		assertThatThrownBy(
				() -> base.get().unixSocket(Path.of("/tmp/a.sock")).initialBackoff(Duration.ofSeconds(10)).build())
			.hasMessageContaining("maxBackoff");
		SocketTransportOptions defaults = base.get().unixSocket(Path.of("/tmp/a.sock")).build();
		assertThat(defaults.role()).isEqualTo(Role.AUTO);
		assertThat(defaults.maxFrameBytes()).isEqualTo(SocketTransportOptions.DEFAULT_MAX_FRAME_BYTES);
		assertThat(defaults.allowedUsers()).isEmpty();
		assertThat(defaults.toBuilder().build().toString()).isEqualTo(defaults.toString());
	}

	@Test
	void backoffGrowsExponentiallyWithJitterAndIsBounded() throws Exception {
		SocketTransport t = fx.track(SocketTransport.open(fx.options("lonely", Role.PEER)
			.initialBackoff(Duration.ofMillis(100))
			.maxBackoff(Duration.ofSeconds(2))
			.build()));
		for (int failures = 0; failures < 40; failures++) {
			long expectedBase = Math.min(2000, 100L << Math.min(Math.max(failures - 1, 0), 20));
			for (int i = 0; i < 50; i++) {
				long millis = TimeUnit.NANOSECONDS.toMillis(t.backoffNanos(failures));
				assertThat(millis).isBetween(expectedBase / 2 - 1, expectedBase);
			}
		}
	}

}
