package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.FileSessionRepository;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * The fragment limit agreed in the handshake survives a restart with a durable session
 * store: the restarted sender reads it back with its session, and its next large message
 * reaches the peer (which takes the session back by proof) without a new handshake.
 */
class DurableFragmentLimitTest {

	private static final Endpoint A = Endpoint.named("a");

	private static final Endpoint B = Endpoint.named("b");

	private static final Duration WAIT = Duration.ofSeconds(10);

	@TempDir
	Path dir;

	private final InMemoryBus bus = new InMemoryBus();

	private FileSessionRepository<NoiseSession> store() {
		return FileSessionRepository
			.builder(dir.resolve("a.store"), "a secret of sixteen+ chars", new NoiseSessionCodec())
			.kdfIterations(1000)
			.build();
	}

	private static final class Handshakes implements IpcEventListener {

		final AtomicInteger started = new AtomicInteger();

		@Override
		public void handshakeStarted(Endpoint peer, String suite, boolean initiator) {
			started.incrementAndGet();
		}

	}

	@Test
	void aRestartedSenderKeepsTheAgreedLimitAndItsLargeMessagesStillArrive() throws Exception {
		byte[] payload = new byte[300_000];
		new Random(5).nextBytes(payload);
		Handshakes handshakes = new Handshakes();
		CommunicationBackend backendB = bus.connect(B);
		try (IpcClient b = IpcClient.builder()
			.backend(backendB)
			.crypto(new NoiseCryptoProvider(), new InMemorySessionRepository<NoiseSession>())
			.listener(handshakes)
			.build()) {
			b.start();
			Subscription inbox = b.subscribe("large");
			for (int run = 0; run < 2; run++) {
				FileSessionRepository<NoiseSession> storeA = store();
				CommunicationBackend backendA = bus.connect(A);
				try (IpcClient a = IpcClient.builder()
					.backend(backendA)
					.crypto(new NoiseCryptoProvider(), storeA)
					.listener(handshakes)
					.build()) {
					a.start();
					if (run == 1) {
						assertThat(storeA.get(B)).as("restored")
							.get()
							.satisfies(session -> assertThat(session.fragmentLimit())
								.isEqualTo(NoiseCryptoProvider.DEFAULT_MAX_MESSAGE_SIZE));
					}
					a.send(new OutgoingMessage(payload, B, "large"));
					IncomingMessage received = inbox.receive(WAIT);
					assertThat(received).as("run " + run).isNotNull();
					assertThat(received.payload()).isEqualTo(payload);
				}
				finally {
					backendA.close();
					storeA.close();
				}
			}
		}
		finally {
			backendB.close();
		}
		assertThat(handshakes.started).as("one handshake (both roles), none after the restart").hasValue(2);
	}

}
