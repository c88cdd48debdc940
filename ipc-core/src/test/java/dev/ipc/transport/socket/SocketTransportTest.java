package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.client.TypedSubscription;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.transport.socket.SocketTestSupport.Echo;
import dev.ipc.transport.socket.SocketTestSupport.EchoReply;
import dev.ipc.transport.socket.SocketTestSupport.Greeting;
import dev.ipc.transport.socket.SocketTestSupport.Hang;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/** Host and peers as separate transports in one JVM, over a real Unix socket. */
class SocketTransportTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String USER = System.getProperty("user.name");

	@TempDir
	Path dir;

	private SocketFixture fx;

	@BeforeEach
	void setUp() {
		fx = new SocketFixture(dir.resolve("run").resolve("ipc.sock"));
	}

	@AfterEach
	void tearDown() {
		fx.close();
	}

	private static Endpoint named(String name) {
		return Endpoint.named(name);
	}

	private static <T> T join(CompletableFuture<T> future) throws Exception {
		return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
	}

	@Test
	void hostAndPeersExchangeMessagesAndRpcsWithVerifiedSources() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(hostTransport);
		IpcClient alpha = fx.client(fx.transport("alpha", Role.PEER));
		IpcClient beta = fx.client(fx.transport("beta", Role.PEER));
		await().atMost(WAIT)
			.until(() -> hostTransport.reachableEndpoints()
				.containsAll(Set.of(named("host"), named("alpha"), named("beta"))));
		TypedSubscription<Greeting> atHost = host.subscribe(Greeting.class);
		TypedSubscription<Greeting> atAlpha = alpha.subscribe(Greeting.class);
		TypedSubscription<Greeting> atBeta = beta.subscribe(Greeting.class);

		// peer -> host: the host stamps the registered name and the SO_PEERCRED user
		alpha.send(new Greeting("hello host"), named("host"));
		TypedIncomingMessage<Greeting> received = atHost.receive(WAIT);
		assertThat(received.payload().text()).isEqualTo("hello host");
		assertThat(received.source()).isEqualTo(new Source.Named("alpha", USER));

		// host -> peer: the host's own source carries its user too
		host.send(new Greeting("hello alpha"), named("alpha"));
		received = atAlpha.receive(WAIT);
		assertThat(received.payload().text()).isEqualTo("hello alpha");
		assertThat(received.source()).isEqualTo(new Source.Named("host", USER));

		// peer -> peer through the host
		alpha.send(new Greeting("hello beta"), named("beta"));
		received = atBeta.receive(WAIT);
		assertThat(received.payload().text()).isEqualTo("hello beta");
		assertThat(received.source()).isEqualTo(new Source.Named("alpha", USER));

		// RPC in every direction
		EchoReply reply = join(alpha.request(new Echo("a->h"), named("host")));
		assertThat(reply).isEqualTo(new EchoReply("a->h", "host", new Source.Named("alpha", USER).toString()));
		reply = join(host.request(new Echo("h->a"), named("alpha")));
		assertThat(reply).isEqualTo(new EchoReply("h->a", "alpha", new Source.Named("host", USER).toString()));
		reply = join(alpha.request(new Echo("a->b"), named("beta")));
		assertThat(reply).isEqualTo(new EchoReply("a->b", "beta", new Source.Named("alpha", USER).toString()));
		reply = join(beta.request(new Echo("b->a"), named("alpha")));
		assertThat(reply.by()).isEqualTo("alpha");

		// a process can address itself
		reply = join(beta.request(new Echo("b->b"), named("beta")));
		assertThat(reply.by()).isEqualTo("beta");
		reply = join(host.request(new Echo("h->h"), named("host")));
		assertThat(reply.by()).isEqualTo("host");
	}

	@Test
	void peersSeePresenceAndHearWhoLeft() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		List<Endpoint> alphaHeardLeaving = new CopyOnWriteArrayList<>();
		List<Endpoint> hostHeardLeaving = new CopyOnWriteArrayList<>();
		alpha.addDisconnectListener(alphaHeardLeaving::add);
		hostTransport.addDisconnectListener(hostHeardLeaving::add);
		assertThat(alpha.isConnected()).isTrue();
		assertThat(alpha.currentRole()).isEqualTo(Role.PEER);
		assertThat(hostTransport.currentRole()).isEqualTo(Role.HOST);
		assertThat(alpha.reachableEndpoints()).containsExactlyInAnyOrder(named("host"), named("alpha"));

		SocketTransport beta = fx.transport("beta", Role.PEER);
		assertThat(beta.reachableEndpoints()).containsExactlyInAnyOrder(named("host"), named("alpha"), named("beta"));
		await().atMost(WAIT).until(() -> alpha.reachableEndpoints().contains(named("beta")));
		assertThat(hostTransport.stats().connectedPeers()).isEqualTo(2);

		beta.close();
		await().atMost(WAIT).until(() -> !alpha.reachableEndpoints().contains(named("beta")));
		await().atMost(WAIT)
			.until(() -> alphaHeardLeaving.contains(named("beta")) && hostHeardLeaving.contains(named("beta")));
		assertThat(alpha.isConnected()).isTrue();
	}

	@Test
	void sendingToAnEndpointThatIsNotConnectedFailsFast() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(hostTransport);
		IpcClient alpha = fx.client(fx.transport("alpha", Role.PEER));
		byte[] payload = { 1 };

		assertThatThrownBy(() -> hostTransport.send(new OutgoingMessage(payload, named("nobody"), "t")))
			.isInstanceOf(IpcUnreachableException.class);
		assertThatThrownBy(() -> alpha.send(new Greeting("x"), named("nobody")))
			.isInstanceOf(IpcUnreachableException.class)
			.satisfies(ex -> assertThat(((IpcException) ex).kind()).isEqualTo(ErrorKind.UNREACHABLE));
		// an RPC fails at once, not at its timeout
		CompletableFuture<EchoReply> fromPeer = alpha.request(new Echo("x"), named("nobody"), Duration.ofMinutes(5));
		CompletableFuture<EchoReply> fromHost = host.request(new Echo("x"), named("nobody"), Duration.ofMinutes(5));
		assertThat(fromPeer).isCompletedExceptionally();
		assertThat(fromHost).isCompletedExceptionally();
		assertThatThrownBy(fromPeer::join).hasCauseInstanceOf(IpcUnreachableException.class);
		assertThatThrownBy(fromHost::join).hasCauseInstanceOf(IpcUnreachableException.class);
	}

	@Test
	void aPeerThatIsNotConnectedFailsFastToo() throws Exception {
		SocketTransport lonely = fx.transport("lonely", Role.PEER);
		assertThat(lonely.isConnected()).isFalse();
		assertThat(lonely.reachableEndpoints()).isEmpty();
		assertThatThrownBy(() -> lonely.send(new OutgoingMessage(new byte[0], named("host"), null)))
			.isInstanceOf(IpcUnreachableException.class);
	}

	@Test
	void aSecondConnectionClaimingAConnectedEndpointIsRefused() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		fx.client(hostTransport);
		IpcClient alpha = fx.client(fx.transport("alpha", Role.PEER));

		SocketTransport impostor = fx.transport("alpha", Role.PEER);
		assertThat(impostor.isConnected()).isFalse();
		SocketTransport hostImpostor = fx.transport("host", Role.PEER);
		assertThat(hostImpostor.isConnected()).isFalse();
		assertThat(hostTransport.stats().connectionsRejected()).isGreaterThanOrEqualTo(2);

		// the genuine alpha is unaffected
		assertThat(join(alpha.request(new Echo("still me"), named("host"))).callerSource())
			.isEqualTo(new Source.Named("alpha", USER).toString());
		impostor.close();
		hostImpostor.close();
	}

	@Test
	void theHostAdmitsOnlyAllowedOsUsers() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST,
				b -> b.allowedUsers(Set.of("someone-else-entirely")));
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		assertThat(alpha.isConnected()).isFalse();
		await().atMost(WAIT).until(() -> hostTransport.stats().connectionsRejected() >= 1);
		assertThat(hostTransport.reachableEndpoints()).containsExactly(named("host"));

		// naming our user explicitly admits it
		fx.close();
		fx = new SocketFixture(fx.socket());
		SocketTransport open = fx.transport("host", Role.HOST, b -> b.allowedUsers(Set.of(USER)));
		SocketTransport beta = fx.transport("beta", Role.PEER);
		assertThat(beta.isConnected()).isTrue();
		assertThat(open.reachableEndpoints()).contains(named("beta"));
	}

	@Test
	void socketDirectoryAndFileArePrivateAndTheFileIsRemovedOnClose() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		Path socket = fx.socket();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
			.isEqualTo("rwx------");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
		assertThat(Files.getOwner(socket).getName()).isEqualTo(USER);

		hostTransport.close();
		assertThat(socket).doesNotExist();
		assertThat(socket.getParent()).isDirectory();
	}

	@Test
	void anInsecureExistingDirectoryIsRefused() throws Exception {
		Path shared = Files.createDirectory(dir.resolve("shared"));
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
		SocketTransportOptions options = fx.options("host", Role.HOST).unixSocket(shared.resolve("ipc.sock")).build();
		assertThatThrownBy(() -> fx.track(SocketTransport.open(options))).isInstanceOf(java.io.IOException.class)
			.hasMessageContaining("writable by group or others");
	}

	@Test
	void pendingRpcsFailPromptlyWhenTheirPeerDisconnects() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(hostTransport);
		IpcClient alpha = fx.client(fx.transport("alpha", Role.PEER));
		SocketTransport betaTransport = fx.transport("beta", Role.PEER);
		fx.client(betaTransport);
		await().atMost(WAIT).until(() -> hostTransport.reachableEndpoints().contains(named("beta")));

		CompletableFuture<String> peerToPeer = alpha.request(new Hang("x"), named("beta"), Duration.ofMinutes(5));
		CompletableFuture<String> hostToPeer = host.request(new Hang("x"), named("beta"), Duration.ofMinutes(5));
		CompletableFuture<String> peerToHost = alpha.request(new Hang("x"), named("host"), Duration.ofMinutes(5));
		// the requests are in flight (reached the handlers), not failed
		assertThat(peerToPeer).isNotDone();
		assertThat(hostToPeer).isNotDone();

		betaTransport.close();
		assertThatThrownBy(() -> join(peerToPeer)).hasCauseInstanceOf(IpcUnreachableException.class);
		assertThatThrownBy(() -> join(hostToPeer)).hasCauseInstanceOf(IpcUnreachableException.class);
		assertThat(peerToHost).isNotDone();

		// when the host goes, everything pending on any remote endpoint fails
		hostTransport.close();
		assertThatThrownBy(() -> join(peerToHost)).hasCauseInstanceOf(IpcUnreachableException.class);
	}

	@Test
	void aPeerReconnectsToARestartedHost() throws Exception {
		SocketTransport firstHost = fx.transport("host", Role.HOST);
		SocketTransport alphaTransport = fx.transport("alpha", Role.PEER);
		IpcClient alpha = fx.client(alphaTransport);
		assertThat(alphaTransport.isConnected()).isTrue();

		firstHost.close();
		await().atMost(WAIT).until(() -> !alphaTransport.isConnected());
		assertThatThrownBy(() -> alpha.send(new Greeting("x"), named("host")))
			.isInstanceOf(IpcUnreachableException.class);

		SocketTransport secondHost = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(secondHost);
		assertThat(alphaTransport.awaitConnected(WAIT)).isTrue();
		assertThat(join(alpha.request(new Echo("again"), named("host"))).by()).isEqualTo("host");
		assertThat(join(host.request(new Echo("again"), named("alpha"))).by()).isEqualTo("alpha");
		assertThat(alphaTransport.stats().connects()).isEqualTo(2);
	}

	@Test
	void aMessageTooLargeForTheTransportIsRefusedBeforeSending() throws Exception {
		fx.transport("host", Role.HOST);
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		byte[] huge = new byte[SocketTransportOptions.DEFAULT_MAX_FRAME_BYTES];
		assertThatThrownBy(() -> alpha.send(new OutgoingMessage(huge, named("host"), "t")))
			.isInstanceOf(IpcException.class)
			.satisfies(ex -> assertThat(((IpcException) ex).kind()).isEqualTo(ErrorKind.OTHER));
		// a large message within the limit goes through
		byte[] large = new byte[SocketTransportOptions.DEFAULT_MAX_FRAME_BYTES - 4096];
		alpha.send(new OutgoingMessage(large, named("alpha"), "t"));
		assertThat(alpha.isConnected()).isTrue();
	}

	@Test
	void largeMessagesCrossIntact() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.plainClient(hostTransport); // 900 kB exceeds the Noise
														// plaintext limit: transport only
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		var subscription = host.subscribe("bulk");
		byte[] payload = new byte[900_000];
		new java.util.Random(1).nextBytes(payload);
		for (int i = 0; i < 3; i++) {
			alpha.send(new OutgoingMessage(payload, named("host"), "bulk"));
		}
		for (int i = 0; i < 3; i++) {
			assertThat(subscription.receive(WAIT).payload()).isEqualTo(payload);
		}
	}

	@Test
	void closingIsBoundedStopsEveryThreadAndClosesReceivers() throws Exception {
		SocketTransport hostTransport = fx.transport("leaky-host", Role.HOST);
		SocketTransport peer = fx.transport("leaky-peer", Role.PEER);
		var receiver = peer.subscribe();
		assertThat(threadsNamed("ipc-socket-leaky-")).isNotEmpty();
		long start = System.nanoTime();
		peer.close();
		hostTransport.close();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		await().atMost(WAIT).until(() -> threadsNamed("ipc-socket-leaky-").isEmpty());
		assertThatThrownBy(receiver::receive).isInstanceOf(IpcClosedException.class);
		assertThatThrownBy(() -> peer.send(new OutgoingMessage(new byte[0], named("x"), null)))
			.isInstanceOf(IpcClosedException.class);
		peer.close(); // idempotent
	}

	static List<String> threadsNamed(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(Thread::isAlive)
			.map(Thread::getName)
			.filter(n -> n.startsWith(prefix))
			.toList();
	}

}
