package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.transport.socket.SocketTestSupport.Echo;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Issue 9, A1 and A6: what arrives before a host's client starts, and a peer that cannot
 * reach its host.
 */
class SocketTransportStartupTest {

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

	@Test
	void messagesThatArriveBeforeTheFirstReceiverAreHeldForIt() throws Exception {
		SocketTransport host = fx.transport("host", Role.HOST);
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		for (int i = 0; i < 5; i++) {
			alpha.send(new OutgoingMessage(new byte[] { (byte) i }, Endpoint.named("host"), "t"));
		}
		await().atMost(WAIT).until(() -> host.stats().heldUntilSubscribed() == 5);
		BackendReceiver receiver = host.subscribe();
		for (int i = 0; i < 5; i++) {
			IncomingMessage message = receiver.receive(WAIT);
			assertThat(message.payload()).containsExactly(i);
			assertThat(message.source()).isEqualTo(new Source.Named("alpha", USER));
		}
		alpha.send(new OutgoingMessage(new byte[] { 9 }, Endpoint.named("host"), "t"));
		assertThat(receiver.receive(WAIT).payload()).containsExactly(9);
		assertThat(host.stats().noReceiverDrops()).isZero();
		receiver.close();
	}

	@Test
	void beyondTheBoundMessagesWithoutAReceiverAreCountedDrops() throws Exception {
		List<DropReason> drops = new CopyOnWriteArrayList<>();
		IpcEventListener listener = new IpcEventListener() {
			@Override
			public void messageDropped(DropReason reason, Endpoint peer) {
				drops.add(reason);
			}
		};
		// the bound is min(outboundQueueCapacity, receiverCapacity) messages
		SocketTransport host = fx.transport("host", Role.HOST, b -> b.outboundQueueCapacity(8).listener(listener));
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		for (int i = 0; i < 12; i++) {
			alpha.send(new OutgoingMessage(new byte[] { (byte) i }, Endpoint.named("host"), "t"));
		}
		await().atMost(WAIT).until(() -> host.stats().heldUntilSubscribed() + host.stats().noReceiverDrops() == 12);
		assertThat(host.stats().heldUntilSubscribed()).isEqualTo(8);
		assertThat(host.stats().noReceiverDrops()).isEqualTo(4);
		assertThat(drops).containsOnly(DropReason.TRANSPORT_OVERFLOW).hasSize(4);
		BackendReceiver receiver = host.subscribe();
		for (int i = 0; i < 8; i++) {
			assertThat(receiver.receive(WAIT).payload()).containsExactly(i);
		}
		receiver.close();
	}

	@Test
	void aCallToAHostWhoseClientStartsLateSucceeds() throws Exception {
		// the Spring case: the transport opens at bean creation, the client starts in a
		// late phase
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient alpha = fx.client(fx.transport("alpha", Role.PEER));
		// the request runs the Noise handshake on the calling thread, so it is made from
		// another one
		var reply = java.util.concurrent.CompletableFuture
			.supplyAsync(() -> alpha.request(new Echo("early"), Endpoint.named("host")))
			.thenCompose(future -> future);
		// the Noise handshake start reached the host before any receiver did
		await().atMost(WAIT)
			.pollInterval(Duration.ofMillis(10))
			.until(() -> hostTransport.stats().heldUntilSubscribed() >= 1);
		fx.client(hostTransport);
		assertThat(reply.get(10, TimeUnit.SECONDS).by()).isEqualTo("host");
	}

	@Test
	void aPeerPointedAtAWrongPathSaysWhyOnceAndExposesIt() throws Exception {
		try (LogCapture logs = new LogCapture(SocketTransport.class)) {
			SocketTransport peer = fx.transport("alpha", Role.PEER);
			assertThat(peer.isConnected()).isFalse();
			await().atMost(WAIT).until(() -> peer.counters().connectFailures.get() >= 5);
			assertThat(peer.lastConnectionProblem()).hasValueSatisfying(p -> assertThat(p).contains("no socket file"));
			assertThat(logs.warnings()).filteredOn(l -> l.contains("cannot connect"))
				.hasSize(1)
				.allMatch(l -> l.contains("no socket file") && l.contains(fx.socket().toString()));

			// the problem changes (a stale socket file without a host): said again, once
			Files.createDirectories(fx.socket().getParent(),
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
			try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
				stale.bind(UnixDomainSocketAddress.of(fx.socket()));
			}
			await().atMost(WAIT).until(() -> peer.lastConnectionProblem().orElse("").contains("refused"));
			long failures = peer.counters().connectFailures.get();
			await().atMost(WAIT).until(() -> peer.counters().connectFailures.get() >= failures + 3);
			assertThat(logs.warnings()).filteredOn(l -> l.contains("cannot connect")).hasSize(2);

			// the host comes: connected, said at INFO, and the problem is gone
			fx.transport("host", Role.HOST);
			assertThat(peer.awaitConnected(WAIT)).isTrue();
			assertThat(peer.lastConnectionProblem()).isEmpty();
			await().atMost(WAIT)
				.until(() -> logs.messages(ch.qos.logback.classic.Level.INFO)
					.stream()
					.anyMatch(l -> l.contains("connected to host") && l.contains("resolved")));
		}
	}

}
