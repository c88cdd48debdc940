package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.text;
import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.crypto.noise.NoiseTestSupport.RecordingEvents;
import dev.ipc.crypto.noise.NoiseTestSupport.ScriptedPeer;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.SessionRepository;
import dev.ipc.testing.TestCommunicationBackend;

/**
 * With a durable repository the send nonce is persisted as a high-water mark reserved
 * ahead of use: the store is written a few times per thousand messages, every frame
 * leaves with a nonce already covered by what is stored, and a provider that starts over
 * from the store (a crash, SIGKILL: nothing but what was saved survives) never uses a
 * nonce twice.
 */
class NonceReservationTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final Endpoint MAIN = Endpoint.DESKTOP_MAIN;

	private static final Endpoint RENDERER = Endpoint.DESKTOP_RENDERER;

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final ExecutorService pool = Executors.newCachedThreadPool();

	@AfterEach
	void tearDown() throws Exception {
		for (int i = closeables.size() - 1; i >= 0; i--) {
			closeables.get(i).close();
		}
		pool.shutdownNow();
	}

	/**
	 * A durable store holding only encoded bytes: what a crashed process leaves behind.
	 */
	private static final class DurableStore implements SessionRepository<NoiseSession> {

		private final NoiseSessionCodec codec = new NoiseSessionCodec();

		private final Map<Endpoint, byte[]> stored = new ConcurrentHashMap<>();

		final List<String> writes = new CopyOnWriteArrayList<>();

		@Override
		public Optional<NoiseSession> get(Endpoint peer) {
			byte[] bytes = stored.get(peer);
			return bytes == null ? Optional.empty() : Optional.of(codec.decode(bytes));
		}

		@Override
		public void save(Endpoint peer, NoiseSession session) {
			stored.put(peer, codec.encode(session));
			writes.add("save " + session.state().sendNonce());
		}

		@Override
		public void saveDeferred(Endpoint peer, NoiseSession session) {
			stored.put(peer, codec.encode(session));
			writes.add("deferred " + session.state().sendNonce());
		}

		@Override
		public void remove(Endpoint peer) {
			stored.remove(peer);
		}

		@Override
		public boolean isDurable() {
			return true;
		}

		long storedSendNonce(Endpoint peer) {
			return get(peer).map(s -> s.state().sendNonce()).orElse(-1L);
		}

	}

	@Test
	void everyFrameLeavesCoveredByTheStoredMarkAndARestartNeverReusesANonce() throws Exception {
		DurableStore store = new DurableStore();
		TestCommunicationBackend wire = new TestCommunicationBackend();
		closeables.add(wire);
		List<String> violations = new CopyOnWriteArrayList<>();
		List<Long> nonces = new CopyOnWriteArrayList<>();
		wire.onSend(m -> {
			try {
				if (NoiseFrameCodec.decode(m.payload()) instanceof TransportFrame frame) {
					nonces.add(frame.nonce());
					if (Long.compareUnsigned(store.storedSendNonce(RENDERER), frame.nonce()) < 0) {
						violations.add("nonce " + frame.nonce() + " left above the stored mark");
					}
				}
			}
			catch (NoiseFrameException ex) {
				throw new AssertionError(ex);
			}
		});
		NoiseCryptoProvider first = new NoiseCryptoProvider();
		CryptoContext<NoiseSession> context = new CryptoContext<>(wire, store, new RecordingEvents());
		closeables.add(NoiseTestSupport.inboundPath(wire, first, context));
		ScriptedPeer renderer = new ScriptedPeer(Source.DESKTOP_RENDERER);

		Future<?> handshake = pool.submit(() -> first.send(context, new OutgoingMessage(utf8("0"), RENDERER, "t")));
		await().atMost(WAIT).until(() -> wire.outgoing().stream().anyMatch(m -> isStart(m.payload())));
		byte[] start = wire.outgoing().stream().filter(m -> isStart(m.payload())).findFirst().orElseThrow().payload();
		wire.pushIncoming(renderer.incoming(renderer.respond(start), MAIN, null));
		handshake.get(5, TimeUnit.SECONDS);
		int messages = 3000;
		for (int i = 1; i < messages; i++) {
			first.send(context, new OutgoingMessage(utf8(Integer.toString(i)), RENDERER, "t"));
		}

		assertThat(violations).isEmpty();
		assertThat(nonces).hasSize(messages);
		assertThat(store.writes.size()).as("a few reservations, not one write per message: " + store.writes)
			.isLessThanOrEqualTo(5);

		// crash: a new provider with nothing but the store continues above everything
		// used, without a handshake
		NoiseCryptoProvider restarted = new NoiseCryptoProvider();
		restarted.send(context, new OutgoingMessage(utf8("after"), RENDERER, "t"));
		long last = nonces.get(nonces.size() - 1);
		List<Long> before = nonces.subList(0, messages);
		assertThat(before).doesNotHaveDuplicates();
		assertThat(Long.compareUnsigned(last, before.stream().max(Long::compareUnsigned).orElseThrow()))
			.as("the restarted provider's first nonce is above every nonce used before")
			.isPositive();
		List<OutgoingMessage> frames = wire.outgoing().stream().filter(m -> isTransport(m.payload())).toList();
		List<String> opened = new ArrayList<>();
		for (OutgoingMessage frame : frames) {
			opened.add(text(renderer.open(frame.payload()))); // the peer accepts all of
																// them, the gap included
		}
		assertThat(opened).hasSize(messages + 1).endsWith("2999", "after");
		assertThat(violations).isEmpty();
	}

	private static boolean isStart(byte[] payload) {
		try {
			return NoiseFrameCodec.decode(payload) instanceof HandshakeStart;
		}
		catch (NoiseFrameException ex) {
			return false;
		}
	}

	private static boolean isTransport(byte[] payload) {
		try {
			return NoiseFrameCodec.decode(payload) instanceof TransportFrame;
		}
		catch (NoiseFrameException ex) {
			return false;
		}
	}

}
