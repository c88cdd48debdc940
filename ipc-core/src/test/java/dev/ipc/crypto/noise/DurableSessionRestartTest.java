package dev.ipc.crypto.noise;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.FileSessionRepository;
import dev.ipc.spi.CommunicationBackend;

import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Durable sessions end to end: a client restarted with the same encrypted session file
 * keeps talking to its peer without a new handshake, in both directions; with a wrong
 * secret its store starts empty and it re-handshakes.
 */
class DurableSessionRestartTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final String SECRET = "correct horse battery staple";

	private static final Endpoint A = Endpoint.named("a");

	private static final Endpoint B = Endpoint.named("b");

	@TempDir
	Path dir;

	private final InMemoryBus bus = new InMemoryBus();

	private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

	private final List<String> handshakesOfA = new CopyOnWriteArrayList<>();

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable resource : resources) {
			resource.close();
		}
	}

	private FileSessionRepository<NoiseSession> store(String name, String secret) {
		return FileSessionRepository.builder(dir.resolve(name), secret, new NoiseSessionCodec())
			.kdfIterations(1000)
			.build();
	}

	private IpcClient client(Endpoint endpoint, FileSessionRepository<NoiseSession> sessions, IpcEventListener listener)
			throws Exception {
		CommunicationBackend backend = bus.connect(endpoint);
		IpcClient client = IpcClient.builder()
			.backend(backend)
			.crypto(new NoiseCryptoProvider(), sessions)
			.listener(listener)
			.build();
		resources.add(client);
		resources.add(backend);
		client.start();
		return client;
	}

	private final IpcEventListener countHandshakesOfA = new IpcEventListener() {
		@Override
		public void handshakeStarted(Endpoint peer, String suite, boolean initiator) {
			handshakesOfA.add(suite);
		}
	};

	private static void roundTrip(IpcClient from, Subscription to, Endpoint destination, int value) throws Exception {
		from.send(new OutgoingMessage(new byte[] { (byte) value }, destination, "t"));
		assertThat(to.receive(WAIT).payload()).containsExactly(value);
	}

	@Test
	void aRestartedClientKeepsItsSessionWithoutANewHandshake() throws Exception {
		IpcClient b = client(B, store("b.store", SECRET), IpcEventListener.NOOP);
		Subscription atB = b.subscribe("t");
		CommunicationBackend backendA = bus.connect(A);
		IpcClient a = IpcClient.builder()
			.backend(backendA)
			.crypto(new NoiseCryptoProvider(), store("a.store", SECRET))
			.listener(countHandshakesOfA)
			.build();
		a.start();
		roundTrip(a, atB, B, 1);
		assertThat(handshakesOfA).hasSize(1);
		a.close();
		backendA.close();

		handshakesOfA.clear();
		IpcClient restarted = client(A, store("a.store", SECRET), countHandshakesOfA);
		Subscription atA = restarted.subscribe("t");
		roundTrip(restarted, atB, B, 2);
		roundTrip(b, atA, A, 3);
		assertThat(handshakesOfA).as("the restarted client reused its stored session").isEmpty();
	}

	/**
	 * The same restart where the transport tells B that A left (the socket and in-memory
	 * transports do): B forgets A's session, as the reference does, but keeps it
	 * reclaimable for a while; the restarted A proves it still holds the session with its
	 * first frame, and nothing is lost, still without a handshake. (B's receive loop
	 * calls {@code peerDisconnected} in order after A's last message.)
	 */
	@Test
	void aRestartedClientKeepsItsSessionWhenThePeerWasToldItLeft() throws Exception {
		FileSessionRepository<NoiseSession> storeOfB = store("b.store", SECRET);
		NoiseCryptoProvider providerOfB = new NoiseCryptoProvider();
		CommunicationBackend backendB = bus.connect(B);
		IpcClient b = IpcClient.builder().backend(backendB).crypto(providerOfB, storeOfB).build();
		resources.add(b);
		resources.add(backendB);
		b.start();
		List<Endpoint> departed = new CopyOnWriteArrayList<>();
		backendB.addDisconnectListener(departed::add);
		Subscription atB = b.subscribe("t");
		CommunicationBackend backendA = bus.connect(A);
		IpcClient a = IpcClient.builder()
			.backend(backendA)
			.crypto(new NoiseCryptoProvider(), store("a.store", SECRET))
			.listener(countHandshakesOfA)
			.build();
		a.start();
		roundTrip(a, atB, B, 1);
		a.close();
		backendA.close();
		assertThat(departed).containsExactly(A);
		// B's receive loop calls peerDisconnected once it has processed everything A sent
		// before leaving
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(storeOfB.get(A)).as("B forgot A's session when A left").isEmpty());

		handshakesOfA.clear();
		IpcClient restarted = client(A, store("a.store", SECRET), countHandshakesOfA);
		Subscription atA = restarted.subscribe("t");
		roundTrip(restarted, atB, B, 2);
		roundTrip(b, atA, A, 3);
		assertThat(handshakesOfA).as("the restarted client reused its stored session").isEmpty();
		assertThat(storeOfB.get(A)).as("B took the session back").isPresent();
	}

	@Test
	void withAWrongSecretTheRestartedClientHandshakesAgain() throws Exception {
		IpcClient b = client(B, store("b.store", SECRET), IpcEventListener.NOOP);
		Subscription atB = b.subscribe("t");
		CommunicationBackend backendA = bus.connect(A);
		IpcClient a = IpcClient.builder()
			.backend(backendA)
			.crypto(new NoiseCryptoProvider(), store("a.store", SECRET))
			.build();
		a.start();
		roundTrip(a, atB, B, 1);
		a.close();
		backendA.close();

		IpcClient restarted = client(A, store("a.store", "a different secret, also long"), countHandshakesOfA);
		roundTrip(restarted, atB, B, 2);
		assertThat(handshakesOfA).as("the unreadable store was treated as empty").hasSize(1);
	}

}
