package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Issue 10: a new client and transport that find a live session for the host in their
 * session repository (a durable store after a restart: here its stored form, taken before
 * the old client closed) use it without a handshake, over the Unix-socket transport; the
 * host takes it back from its departed-session retention when the first frame decrypts
 * under it.
 *
 * <p>
 * Also one repository shared across an orderly close and a reconnect: a closed client
 * ignores the departures its own closing connection reports, so the session survives.
 */
class SurvivingSessionTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Endpoint HOST = Endpoint.named("host");

	private static final Endpoint PEER = Endpoint.named("peer");

	private static final NoiseSessionCodec CODEC = new NoiseSessionCodec();

	@TempDir
	Path dir;

	private final List<String> handshakes = new CopyOnWriteArrayList<>();

	private SocketTransport hostTransport;

	private IpcClient host;

	private Subscription inbox;

	@BeforeEach
	void openHost() throws Exception {
		hostTransport = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(HOST)
			.unixSocket(dir.resolve("ipc.sock"))
			.role(Role.HOST)
			.build());
		host = IpcClient.builder().backend(hostTransport).name("host").listener(listener("host")).build();
		inbox = host.subscribe("t");
		host.start();
	}

	@AfterEach
	void closeHost() {
		host.close();
		hostTransport.close();
	}

	@Test
	void aRestartedPeerThatKeptItsSessionSendsWithoutAHandshake() throws Exception {
		byte[] stored = sendOnce(new InMemorySessionRepository<>(), "first");
		assertThat(handshakes).containsExactly("host responder", "peer initiator");

		stored = sendOnce(restored(stored), "second");
		sendOnce(restored(stored), "third");

		assertThat(handshakes).as("no handshake after the first").containsExactly("host responder", "peer initiator");
	}

	@Test
	void aSessionSurvivesAnOrderlyCloseInASharedRepository() throws Exception {
		InMemorySessionRepository<NoiseSession> sessions = new InMemorySessionRepository<>();
		sendOnce(sessions, "first");
		sendOnce(sessions, "second");
		sendOnce(sessions, "third");

		assertThat(handshakes).as("no handshake after the first").containsExactly("host responder", "peer initiator");
	}

	@Test
	void aRestartedPeerWithoutItsSessionHandshakesAgain() throws Exception {
		sendOnce(new InMemorySessionRepository<>(), "first");
		sendOnce(new InMemorySessionRepository<>(), "second");
		assertThat(handshakes).hasSize(4);
	}

	private static InMemorySessionRepository<NoiseSession> restored(byte[] stored) {
		InMemorySessionRepository<NoiseSession> sessions = new InMemorySessionRepository<>();
		sessions.save(HOST, CODEC.decode(stored));
		return sessions;
	}

	/**
	 * A new transport and client as {@link #PEER}: one message to the host, closed.
	 * @return the session with the host as a durable store holds it, before the close
	 */
	private byte[] sendOnce(InMemorySessionRepository<NoiseSession> sessions, String text) throws Exception {
		SocketTransport transport = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(PEER)
			.unixSocket(dir.resolve("ipc.sock"))
			.role(Role.PEER)
			.build());
		try {
			assertThat(transport.awaitConnected(WAIT)).isTrue();
			IpcClient peer = IpcClient.builder()
				.backend(transport)
				.name("peer")
				.crypto(new NoiseCryptoProvider(), sessions)
				.listener(listener("peer"))
				.build();
			peer.start();
			peer.send(new OutgoingMessage(utf8(text), HOST, "t"));
			IncomingMessage got = inbox.receive(WAIT);
			assertThat(got).isNotNull();
			assertThat(NoiseTestSupport.text(got.payload())).isEqualTo(text);
			byte[] stored = CODEC.encode(sessions.get(HOST).orElseThrow());
			peer.close();
			return stored;
		}
		finally {
			transport.close();
		}
	}

	private IpcEventListener listener(String name) {
		return new IpcEventListener() {
			@Override
			public void handshakeCompleted(Endpoint peer, String suite, boolean initiator, long nanos) {
				handshakes.add(name + (initiator ? " initiator" : " responder"));
			}
		};
	}

}
