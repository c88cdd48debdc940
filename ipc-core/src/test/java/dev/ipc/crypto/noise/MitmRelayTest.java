package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.text;
import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.crypto.noise.NoiseTestSupport.RecordingEvents;
import dev.ipc.crypto.noise.StaticKeys.Algorithm;
import dev.ipc.event.DropReason;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * A man in the middle between two Java clients: a relay that owns both wires (A only
 * reaches "B" through it, B only "A") and runs its own Noise handshakes with each side,
 * forwarding what it decrypts. Against NN it reads everything (shown first); against KK
 * with pinned keys, and against NNpsk2 pairing when it does not hold the pairing key, it
 * is refused and, with {@code required}, no application message ever reaches it in clear.
 */
class MitmRelayTest {

	static final Endpoint A = Endpoint.named("alpha");

	static final Endpoint B = Endpoint.named("beta");

	static final Duration WAIT = Duration.ofSeconds(10);

	static final String SECRET = "the launch code is 0000";

	private final InMemoryBus wireA = new InMemoryBus();

	private final InMemoryBus wireB = new InMemoryBus();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	/** What the relay saw: raw frames, and the application messages it decrypted. */
	private final List<byte[]> relayRaw = new CopyOnWriteArrayList<>();

	private final List<String> relayClear = new CopyOnWriteArrayList<>();

	@AfterEach
	void tearDown() throws Exception {
		for (int i = closeables.size() - 1; i >= 0; i--) {
			closeables.get(i).close();
		}
	}

	IpcClient client(CommunicationBackend backend, NoiseCryptoProvider provider, RecordingEvents events) {
		IpcClient client = IpcClient.builder()
			.backend(backend)
			.crypto(provider, new InMemorySessionRepository<NoiseSession>())
			.listener(events)
			.build();
		closeables.add(client);
		client.start();
		return client;
	}

	static NoiseCryptoProvider provider(@Nullable PeerAuthentication auth) {
		NoiseCryptoProvider.Builder builder = NoiseCryptoProvider.builder().handshakeTimeout(Duration.ofMillis(700));
		return (auth == null ? builder : builder.authentication(auth)).build();
	}

	/**
	 * The relay: "B" on A's wire and "A" on B's wire, each with its own provider (its own
	 * keys), forwarding every message it can decrypt to the other side.
	 */
	IpcClient[] relay(NoiseCryptoProvider towardA, NoiseCryptoProvider towardB) {
		IpcClient asB = client(new Recording(wireA.connect(B)), towardA, new RecordingEvents());
		IpcClient asA = client(new Recording(wireB.connect(A)), towardB, new RecordingEvents());
		forward(asB, asA, B);
		forward(asA, asB, A);
		return new IpcClient[] { asB, asA };
	}

	private void forward(IpcClient from, IpcClient to, Endpoint destination) {
		Subscription all = from.subscribeAll();
		closeables.add(all);
		Thread pump = new Thread(() -> {
			try {
				while (!Thread.currentThread().isInterrupted()) {
					IncomingMessage message = all.receive(Duration.ofSeconds(1));
					if (message != null) {
						relayClear.add(text(message.payload()));
						try {
							to.send(new OutgoingMessage(message.payload(), destination, message.topic()));
						}
						catch (RuntimeException ex) {
							// the other side refused the relay
						}
					}
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "mitm-relay-" + destination);
		pump.setDaemon(true);
		pump.start();
		closeables.add(pump::interrupt);
	}

	@Test
	void againstPlainNnTheRelayReadsEverything() throws Exception {
		relay(provider(null), provider(null));
		IpcClient a = client(wireA.connect(A), provider(null), new RecordingEvents());
		IpcClient b = client(wireB.connect(B), provider(null), new RecordingEvents());
		Subscription inbox = b.subscribe("q");
		closeables.add(inbox);

		a.send(new OutgoingMessage(utf8(SECRET), B, "q"));
		IncomingMessage got = inbox.receive(WAIT);
		assertThat(got).isNotNull();
		assertThat(text(got.payload())).isEqualTo(SECRET); // B thinks all is well...
		assertThat(relayClear).containsExactly(SECRET); // ...but the relay read it
	}

	@Test
	void underKkThePinnedKeysRefuseTheRelayOnBothSidesAndNothingReachesItInClear() throws Exception {
		StaticKeys keysA = StaticKeys.generate();
		StaticKeys keysB = StaticKeys.generate();
		KnownPeers knownByA = KnownPeers.inMemory();
		KnownPeers knownByB = KnownPeers.inMemory();
		trust(knownByA, B, keysB);
		trust(knownByB, A, keysA);
		// a capable relay: its own static keys, and it knows A's and B's public keys
		// (they are public)
		KnownPeers relayKnows = KnownPeers.inMemory();
		trust(relayKnows, A, keysA);
		trust(relayKnows, B, keysB);
		StaticKeys relayKeys = StaticKeys.generate();
		IpcClient[] relay = relay(provider(PeerAuthentication.builder(relayKeys).knownPeers(relayKnows).build()),
				provider(PeerAuthentication.builder(relayKeys).knownPeers(relayKnows).build()));
		RecordingEvents eventsA = new RecordingEvents();
		RecordingEvents eventsB = new RecordingEvents();
		IpcClient a = client(wireA.connect(A), provider(PeerAuthentication.builder(keysA).knownPeers(knownByA).build()),
				eventsA);
		IpcClient b = client(wireB.connect(B), provider(PeerAuthentication.builder(keysB).knownPeers(knownByB).build()),
				eventsB);
		Subscription inbox = b.subscribe("q");
		closeables.add(inbox);

		assertThatThrownBy(() -> a.send(new OutgoingMessage(utf8(SECRET), B, "q")))
			.hasMessageContaining("refused our KK handshake");
		assertThat(eventsA.dropped(DropReason.AUTHENTICATION_FAILED)).isEqualTo(1);

		// the relay, on its own, tries B the same way (as "A", with its own key)
		IpcClient relayAsA = client(new Recording(new InMemoryBus().connect(A)), provider(null), new RecordingEvents());
		closeables.add(relayAsA);
		// B's side: refuses a handshake from anyone claiming to be A without A's key
		IpcClient impostor = client(wireB.connect(Endpoint.named("impostor-probe")),
				provider(PeerAuthentication.builder(relayKeys).knownPeers(relayKnows).build()), new RecordingEvents());
		assertThatThrownBy(() -> impostor.send(new OutgoingMessage(utf8("hi"), B, "q")))
			.hasMessageContaining("refused our");
		assertThat(eventsB.dropped(DropReason.AUTHENTICATION_FAILED)).isGreaterThanOrEqualTo(1);

		assertThat(relayClear).isEmpty();
		assertThat(relayRaw).noneMatch(frame -> text(frame).contains(SECRET));
		assertThat(inbox.receive(Duration.ZERO)).isNull();
	}

	@Test
	void underNnpsk2AWrongPairingKeyIsRefusedAndNothingReachesTheRelayInClear() throws Exception {
		byte[] pairingKey = PairingKeys.generate();
		byte[] relayGuess = PairingKeys.generate();
		IpcClient[] relay = relay(
				provider(PeerAuthentication.builder(StaticKeys.generate()).pairingKey(relayGuess).build()),
				provider(PeerAuthentication.builder(StaticKeys.generate()).pairingKey(relayGuess).build()));
		KnownPeers knownByA = KnownPeers.inMemory();
		KnownPeers knownByB = KnownPeers.inMemory();
		RecordingEvents eventsA = new RecordingEvents();
		IpcClient a = client(wireA.connect(A), provider(
				PeerAuthentication.builder(StaticKeys.generate()).knownPeers(knownByA).pairingKey(pairingKey).build()),
				eventsA);
		RecordingEvents eventsB = new RecordingEvents();
		IpcClient b = client(wireB.connect(B), provider(
				PeerAuthentication.builder(StaticKeys.generate()).knownPeers(knownByB).pairingKey(pairingKey).build()),
				eventsB);
		Subscription inbox = b.subscribe("q");
		closeables.add(inbox);

		// the relay answers A's pairing with its own key: A's read of message 2 fails
		assertThatThrownBy(() -> a.send(new OutgoingMessage(utf8(SECRET), B, "q")))
			.hasMessageContaining("does not hold our pairing key, or someone is in the middle");
		assertThat(eventsA.dropped(DropReason.AUTHENTICATION_FAILED)).isGreaterThanOrEqualTo(1);

		// the relay pairs with B on its own, as "A": B answers, but the relay cannot read
		// B's answer, and B never stores the relay's key (the relay cannot prove the
		// pairing key with a frame)
		assertThatThrownBy(() -> relay[1].send(new OutgoingMessage(utf8("hi"), B, "q")))
			.hasMessageContaining("pairing key");

		assertThat(knownByA.entries()).isEmpty();
		assertThat(knownByB.entries()).isEmpty();
		assertThat(relayClear).isEmpty();
		assertThat(relayRaw).noneMatch(frame -> text(frame).contains(SECRET));
		assertThat(inbox.receive(Duration.ZERO)).isNull();
	}

	@Test
	void withShortAuthenticationStringsTheTwoSidesOfARelayShowDifferentDigits() throws Exception {
		ShortAuthenticationString.Listener ignore = comparison -> {
		};
		relay(provider(PeerAuthentication.builder(StaticKeys.generate())
			.defaultPolicy(AuthenticationPolicy.OPTIONAL)
			.shortAuthenticationStrings(ignore)
			.build()),
				provider(PeerAuthentication.builder(StaticKeys.generate())
					.defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(ignore)
					.build()));
		List<ShortAuthenticationString.Comparison> atA = new CopyOnWriteArrayList<>();
		List<ShortAuthenticationString.Comparison> atB = new CopyOnWriteArrayList<>();
		IpcClient a = client(wireA.connect(A),
				provider(PeerAuthentication.builder(StaticKeys.generate())
					.defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(atA::add)
					.build()),
				new RecordingEvents());
		IpcClient b = client(wireB.connect(B),
				provider(PeerAuthentication.builder(StaticKeys.generate())
					.defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(atB::add)
					.build()),
				new RecordingEvents());
		Subscription inbox = b.subscribe("q");
		closeables.add(inbox);
		a.send(new OutgoingMessage(utf8("hello?"), B, "q"));
		assertThat(inbox.receive(WAIT)).isNotNull(); // optional: NN goes through the
														// relay
		await().atMost(WAIT).until(() -> atA.size() == 1 && atB.size() == 1);
		// each side compared with the relay: a person sees two different codes
		assertThat(atA.get(0).digits()).isNotEqualTo(atB.get(0).digits());
	}

	static void trust(KnownPeers known, Endpoint endpoint, StaticKeys keys) {
		known.add(endpoint, Algorithm.X25519, keys.publicKey(Algorithm.X25519));
		known.add(endpoint, Algorithm.P256, keys.publicKey(Algorithm.P256));
	}

	/** A backend that records every raw frame the relay receives. */
	private final class Recording implements CommunicationBackend {

		private final CommunicationBackend delegate;

		Recording(CommunicationBackend delegate) {
			this.delegate = delegate;
		}

		@Override
		public void send(OutgoingMessage message) {
			delegate.send(message);
		}

		@Override
		public BackendReceiver subscribe() {
			BackendReceiver inner = delegate.subscribe();
			return new BackendReceiver() {
				@Override
				public IncomingMessage receive() throws InterruptedException {
					return record(inner.receive());
				}

				@Override
				public @Nullable IncomingMessage receive(Duration timeout) throws InterruptedException {
					IncomingMessage message = inner.receive(timeout);
					return message == null ? null : record(message);
				}

				@Override
				public void close() {
					inner.close();
				}
			};
		}

		private IncomingMessage record(IncomingMessage message) {
			relayRaw.add(message.payload().clone());
			return message;
		}

		@Override
		public Set<Endpoint> reachableEndpoints() {
			return delegate.reachableEndpoints();
		}

		@Override
		public boolean isConnected() {
			return delegate.isConnected();
		}

		@Override
		public Optional<String> lastConnectionProblem() {
			return delegate.lastConnectionProblem();
		}

		@Override
		public void addDisconnectListener(Consumer<Endpoint> listener) {
			delegate.addDisconnectListener(listener);
		}

		@Override
		public void close() {
			delegate.close();
		}

	}

}
