package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.text;
import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.crypto.noise.NoiseTestSupport.RecordingEvents;
import dev.ipc.crypto.noise.StaticKeys.Algorithm;
import dev.ipc.event.DropReason;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.IpcException;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * Authenticated peers between two Java clients on the in-memory bus: KK with pinned keys,
 * NNpsk2 pairing then KK, the policies, refusals on both sides, revocation and a changed
 * key; and the key and known-peers files.
 */
class AuthenticatedPeersTest {

	static final Endpoint A = Endpoint.named("alpha");

	static final Endpoint B = Endpoint.named("beta");

	static final Duration WAIT = Duration.ofSeconds(10);

	static final byte[] PAIRING_KEY = PairingKeys.generate();

	private final InMemoryBus bus = new InMemoryBus();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	@TempDir
	Path dir;

	@AfterEach
	void tearDown() throws Exception {
		for (int i = closeables.size() - 1; i >= 0; i--) {
			closeables.get(i).close();
		}
	}

	/** One client with its provider. */
	record Peer(IpcClient client, NoiseCryptoProvider provider, RecordingEvents events, PeerAuthentication auth,
			CommunicationBackend backend) {

		/** Stops the client and leaves the bus, as a process exit would. */
		void stop() throws Exception {
			client.close();
			backend.close();
		}
	}

	Peer peer(Endpoint endpoint, PeerAuthentication auth) {
		return peer(bus.connect(endpoint), auth);
	}

	Peer peer(CommunicationBackend backend, PeerAuthentication auth) {
		NoiseCryptoProvider provider = NoiseCryptoProvider.builder()
			.authentication(auth)
			.handshakeTimeout(Duration.ofSeconds(1))
			.build();
		return start(backend, provider, auth);
	}

	Peer start(CommunicationBackend backend, NoiseCryptoProvider provider, PeerAuthentication auth) {
		RecordingEvents events = new RecordingEvents();
		IpcClient client = IpcClient.builder()
			.backend(backend)
			.crypto(provider, new InMemorySessionRepository<NoiseSession>())
			.listener(events)
			.build();
		closeables.add(client);
		client.start();
		return new Peer(client, provider, events, auth, backend);
	}

	Subscription subscribe(Peer peer, String topic) {
		Subscription subscription = peer.client().subscribe(topic);
		closeables.add(subscription);
		return subscription;
	}

	static IncomingMessage next(Subscription subscription) throws InterruptedException {
		IncomingMessage message = subscription.receive(WAIT);
		assertThat(message).as("message on " + subscription.topic()).isNotNull();
		return message;
	}

	static PeerAuthentication.Builder auth(StaticKeys keys, KnownPeers known) {
		return PeerAuthentication.builder(keys).knownPeers(known).defaultPolicy(AuthenticationPolicy.REQUIRED);
	}

	static void trust(KnownPeers known, Endpoint endpoint, StaticKeys keys) {
		known.add(endpoint, Algorithm.X25519, keys.publicKey(Algorithm.X25519));
		known.add(endpoint, Algorithm.P256, keys.publicKey(Algorithm.P256));
	}

	@Test
	void kkBetweenPinnedPeersAuthenticatesAndTheHandlerSeesTheKey() throws Exception {
		StaticKeys keysA = StaticKeys.generate();
		StaticKeys keysB = StaticKeys.generate();
		KnownPeers knownByA = KnownPeers.inMemory();
		KnownPeers knownByB = KnownPeers.inMemory();
		trust(knownByA, B, keysB);
		trust(knownByB, A, keysA);
		Peer a = peer(A, auth(keysA, knownByA).build());
		Peer b = peer(B, auth(keysB, knownByB).build());
		Subscription inbox = subscribe(b, "q");
		Subscription replies = subscribe(a, "r");

		a.client().send(new OutgoingMessage(utf8("hello"), B, "q"));
		IncomingMessage got = next(inbox);
		assertThat(text(got.payload())).isEqualTo("hello");
		PeerIdentity who = b.provider().peerIdentity(got.source().toEndpoint()).orElseThrow();
		assertThat(who.pattern()).isEqualTo(NoisePattern.KK);
		assertThat(who.algorithm()).isEqualTo(Algorithm.X25519); // the default suite's
		assertThat(who.fingerprint()).isEqualTo(keysA.fingerprint(Algorithm.X25519));
		assertThat(a.events().log).contains("started Named[name=beta] Noise_KK_25519_AESGCM_SHA256 initiator");

		b.client().send(new OutgoingMessage(utf8("back"), A, "r"));
		assertThat(text(next(replies).payload())).isEqualTo("back");
		assertThat(a.provider().peerIdentity(B)).get()
			.extracting(PeerIdentity::fingerprint)
			.isEqualTo(keysB.fingerprint(Algorithm.X25519));
	}

	@Test
	void pairingWithASharedKeyStoresBothKeysAndTheNextHandshakeIsKk() throws Exception {
		StaticKeys keysA = StaticKeys.generate();
		StaticKeys keysB = StaticKeys.generate();
		KnownPeers knownByA = KnownPeers.open(dir.resolve("a-known-peers"));
		KnownPeers knownByB = KnownPeers.open(dir.resolve("b-known-peers"));
		List<PeerIdentity> pairedAtB = new java.util.concurrent.CopyOnWriteArrayList<>();
		Peer a = peer(A, auth(keysA, knownByA).pairingKey(PAIRING_KEY).build());
		Peer b = peer(B,
				auth(keysB, knownByB).pairingKey(PAIRING_KEY).listener(new PeerAuthentication.PairingListener() {
					@Override
					public void paired(PeerIdentity identity) {
						pairedAtB.add(identity);
					}
				}).build());
		Subscription inbox = subscribe(b, "q");

		a.client().send(new OutgoingMessage(utf8("pair me"), B, "q"));
		assertThat(text(next(inbox).payload())).isEqualTo("pair me");
		assertThat(a.events().log).contains("started Named[name=beta] Noise_NNpsk2_25519_AESGCM_SHA256 initiator");
		assertThat(knownByA.lookup(B, Algorithm.X25519)).get()
			.extracting(KnownPeers.Entry::fingerprint)
			.isEqualTo(keysB.fingerprint(Algorithm.X25519));
		assertThat(knownByB.lookup(A, Algorithm.P256)).get()
			.extracting(KnownPeers.Entry::fingerprint)
			.isEqualTo(keysA.fingerprint(Algorithm.P256));
		assertThat(pairedAtB).singleElement().extracting(PeerIdentity::pattern).isEqualTo(NoisePattern.NNpsk2);
		assertThat(Files.getPosixFilePermissions(dir.resolve("a-known-peers")))
			.isEqualTo(PosixFilePermissions.fromString("rw-------"));

		// "restart" both (new clients, providers and session stores; same keys and
		// files): KK, no pairing
		a.stop();
		b.stop();
		Peer a2 = peer(bus.connect(Endpoint.named("alpha")),
				auth(keysA, KnownPeers.open(dir.resolve("a-known-peers"))).pairingKey(PAIRING_KEY).build());
		Peer b2 = peer(bus.connect(Endpoint.named("beta")),
				auth(keysB, KnownPeers.open(dir.resolve("b-known-peers"))).pairingKey(PAIRING_KEY).build());
		Subscription inbox2 = subscribe(b2, "q");
		a2.client().send(new OutgoingMessage(utf8("again"), B, "q"));
		IncomingMessage again = next(inbox2);
		assertThat(text(again.payload())).isEqualTo("again");
		assertThat(a2.events().log).contains("started Named[name=beta] Noise_KK_25519_AESGCM_SHA256 initiator");
		assertThat(b2.provider().peerIdentity(A)).get().extracting(PeerIdentity::pattern).isEqualTo(NoisePattern.KK);
	}

	@Test
	void largeMessagesTravelInFragmentsUnderKkButNotOnThePairingSessionThatCarriesKeys() throws Exception {
		byte[] large = new byte[200_000];
		new java.util.Random(7).nextBytes(large);
		StaticKeys keysA = StaticKeys.generate();
		StaticKeys keysB = StaticKeys.generate();
		KnownPeers knownByA = KnownPeers.inMemory();
		KnownPeers knownByB = KnownPeers.inMemory();
		trust(knownByA, B, keysB);
		trust(knownByB, A, keysA);
		Peer a = peer(A, auth(keysA, knownByA).build());
		Peer b = peer(B, auth(keysB, knownByB).build());
		Subscription inbox = subscribe(b, "q");
		Subscription replies = subscribe(a, "r");
		a.client().send(new OutgoingMessage(large, B, "q"));
		assertThat(next(inbox).payload()).isEqualTo(large);
		b.client().send(new OutgoingMessage(large, A, "r"));
		assertThat(next(replies).payload()).isEqualTo(large);
		assertThat(b.provider().peerIdentity(A)).get().extracting(PeerIdentity::pattern).isEqualTo(NoisePattern.KK);

		// pairing: message 2 carries the static keys, so that session takes no fragments
		Endpoint c = Endpoint.named("gamma");
		Endpoint d = Endpoint.named("delta");
		Peer pc = peer(c, auth(StaticKeys.generate(), KnownPeers.inMemory()).pairingKey(PAIRING_KEY).build());
		Peer pd = peer(d, auth(StaticKeys.generate(), KnownPeers.inMemory()).pairingKey(PAIRING_KEY).build());
		Subscription paired = subscribe(pd, "q");
		pc.client().send(new OutgoingMessage(utf8("pair me"), d, "q"));
		assertThat(text(next(paired).payload())).isEqualTo("pair me");
		assertThat(pc.events().log).contains("started Named[name=delta] Noise_NNpsk2_25519_AESGCM_SHA256 initiator");
		assertThatThrownBy(() -> pc.client().send(new OutgoingMessage(large, d, "q"))).isInstanceOf(IpcException.class)
			.hasMessageContaining("65519");
	}

	@Test
	void requiredWithoutAKnownKeyOrAPairingKeySaysWhatToChange() {
		Peer a = peer(A, auth(StaticKeys.generate(), KnownPeers.inMemory()).build());
		peer(B, auth(StaticKeys.generate(), KnownPeers.inMemory()).build());
		assertThatThrownBy(() -> a.client().send(new OutgoingMessage(utf8("x"), B, "q")))
			.isInstanceOf(IpcException.class)
			.hasMessageContaining("authentication is required for Named[name=beta]")
			.hasMessageContaining("pairing key")
			.hasMessageContaining("authentication: optional");
		assertThat(a.events().failureReasons).contains("authentication policy not met");
	}

	@Test
	void aPlainNnPeerIsRefusedOnBothSidesWhenAuthenticationIsRequired() throws Exception {
		RecordingEvents plainEvents = new RecordingEvents();
		IpcClient plain = IpcClient.builder()
			.backend(bus.connect(A))
			.crypto(new NoiseCryptoProvider(), new InMemorySessionRepository<NoiseSession>())
			.listener(plainEvents)
			.build();
		closeables.add(plain);
		plain.start();
		Peer b = peer(B, auth(StaticKeys.generate(), KnownPeers.inMemory()).build());
		Subscription inbox = subscribe(b, "q");

		assertThatThrownBy(() -> plain.send(new OutgoingMessage(utf8("x"), B, "q"))).isInstanceOf(IpcException.class)
			.hasMessageContaining("refused our NN handshake")
			.hasMessageContaining("authentication required");
		assertThat(b.events().dropped(DropReason.AUTHENTICATION_FAILED)).isEqualTo(1);
		assertThat(b.events().failureReasons).anyMatch(r -> r.contains("NN refused"));
		assertThat(inbox.receive(Duration.ZERO)).isNull();
	}

	@Test
	void optionalFallsBackToNnWithAnUnknownPeerButNotWithAKnownOne() throws Exception {
		StaticKeys keysA = StaticKeys.generate();
		KnownPeers knownByB = KnownPeers.inMemory();
		Peer a = peer(A, auth(keysA, KnownPeers.inMemory()).defaultPolicy(AuthenticationPolicy.OPTIONAL).build());
		Peer b = peer(B, auth(StaticKeys.generate(), knownByB).defaultPolicy(AuthenticationPolicy.OPTIONAL).build());
		Subscription inbox = subscribe(b, "q");
		a.client().send(new OutgoingMessage(utf8("plain"), B, "q"));
		assertThat(text(next(inbox).payload())).isEqualTo("plain");
		assertThat(b.provider().peerIdentity(A)).isEmpty();
		assertThat(a.events().log).contains("started Named[name=beta] Noise_NN_25519_AESGCM_SHA256 initiator");

		// once B knows A, plain NN from A is a downgrade and refused
		trust(knownByB, A, keysA);
		a.stop();
		Peer a2 = peer(bus.connect(Endpoint.named("alpha")),
				auth(keysA, KnownPeers.inMemory()).defaultPolicy(AuthenticationPolicy.OPTIONAL).build());
		assertThatThrownBy(() -> a2.client().send(new OutgoingMessage(utf8("plain again"), B, "q")))
			.hasMessageContaining("known peer; NN refused");
	}

	@Test
	void aChangedKeyIsRefusedLoudlyUntilTheOldOneIsRemovedAndThePeersPairAgain() throws Exception {
		StaticKeys keysA = StaticKeys.generate();
		StaticKeys keysB = StaticKeys.generate();
		KnownPeers knownByA = KnownPeers.inMemory();
		KnownPeers knownByB = KnownPeers.inMemory();
		trust(knownByA, B, keysB);
		trust(knownByB, A, StaticKeys.generate()); // B knows an old key of A
		Peer a = peer(A, auth(keysA, knownByA).pairingKey(PAIRING_KEY).build());
		Peer b = peer(B, auth(keysB, knownByB).pairingKey(PAIRING_KEY).build());
		Subscription inbox = subscribe(b, "q");

		assertThatThrownBy(() -> a.client().send(new OutgoingMessage(utf8("x"), B, "q")))
			.hasMessageContaining("refused our KK handshake")
			.hasMessageContaining("keys do not match");
		assertThat(b.events().dropped(DropReason.AUTHENTICATION_FAILED)).isEqualTo(1);

		// A forgets B to pair again: B still knows the old key, so pairing is refused
		// loudly too
		knownByA.remove(B);
		assertThatThrownBy(() -> a.client().send(new OutgoingMessage(utf8("x"), B, "q")))
			.hasMessageContaining("re-pairing refused");
		assertThat(knownByB.lookup(A, Algorithm.P256).orElseThrow().publicKey())
			.isNotEqualTo(keysA.publicKey(Algorithm.P256));

		// revocation on B: pairing goes through, then messages flow
		knownByB.remove(A);
		a.client().send(new OutgoingMessage(utf8("re-paired"), B, "q"));
		assertThat(text(next(inbox).payload())).isEqualTo("re-paired");
		assertThat(knownByB.lookup(A, Algorithm.P256).orElseThrow().publicKey())
			.isEqualTo(keysA.publicKey(Algorithm.P256));
	}

	@Test
	void removingAKnownPeerRevokesItOnTheNextHandshake() throws Exception {
		StaticKeys keysA = StaticKeys.generate();
		StaticKeys keysB = StaticKeys.generate();
		KnownPeers knownByA = KnownPeers.inMemory();
		KnownPeers knownByB = KnownPeers.open(dir.resolve("known"));
		trust(knownByA, B, keysB);
		trust(knownByB, A, keysA);
		Peer a = peer(A, auth(keysA, knownByA).build());
		Peer b = peer(B, auth(keysB, knownByB).build());
		Subscription inbox = subscribe(b, "q");
		a.client().send(new OutgoingMessage(utf8("one"), B, "q"));
		assertThat(text(next(inbox).payload())).isEqualTo("one");

		// an operator deletes A's lines from B's file
		List<String> kept = Files.readAllLines(dir.resolve("known"))
			.stream()
			.filter(line -> !line.contains("alpha"))
			.toList();
		Files.write(dir.resolve("known"), kept);
		Files.setLastModifiedTime(dir.resolve("known"),
				java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
		assertThat(knownByB.isKnown(A)).isFalse();
		// the next handshake (a new client for A, no session) is refused
		a.stop();
		Peer a2 = peer(bus.connect(Endpoint.named("alpha")), auth(keysA, knownByA).build());
		assertThatThrownBy(() -> a2.client().send(new OutgoingMessage(utf8("two"), B, "q")))
			.hasMessageContaining("unknown peer; pair first");
	}

	@Test
	void withoutAPairingKeyAPersonComparesSixDigitsAndAConfirmationPinsThePeer() throws Exception {
		StaticKeys keysA = StaticKeys.generate();
		StaticKeys keysB = StaticKeys.generate();
		KnownPeers knownByA = KnownPeers.inMemory();
		KnownPeers knownByB = KnownPeers.inMemory();
		List<ShortAuthenticationString.Comparison> atA = new java.util.concurrent.CopyOnWriteArrayList<>();
		List<ShortAuthenticationString.Comparison> atB = new java.util.concurrent.CopyOnWriteArrayList<>();
		Peer a = peer(A,
				auth(keysA, knownByA).defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(atA::add)
					.build());
		Peer b = peer(B,
				auth(keysB, knownByB).defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(atB::add)
					.build());
		Subscription inbox = subscribe(b, "q");
		a.client().send(new OutgoingMessage(utf8("first contact"), B, "q"));
		assertThat(text(next(inbox).payload())).isEqualTo("first contact");
		assertThat(b.provider().peerIdentity(A)).as("not authenticated before the comparison").isEmpty();
		await().atMost(WAIT).until(() -> atA.size() == 1 && atB.size() == 1);
		assertThat(atA.get(0).digits()).matches("\\d{6}").isEqualTo(atB.get(0).digits());
		assertThat(atA.get(0).fingerprint()).isEqualTo(keysB.fingerprint(Algorithm.P256));
		assertThat(atB.get(0).fingerprint()).isEqualTo(keysA.fingerprint(Algorithm.P256));
		assertThat(knownByA.entries()).isEmpty();

		atA.get(0).confirm();
		atB.get(0).confirm();
		assertThat(knownByA.lookup(B, Algorithm.P256)).isPresent();
		assertThat(knownByB.lookup(A, Algorithm.X25519)).isPresent();

		// now pinned: the next handshake is KK, and plain NN from A would be refused
		a.stop();
		Peer a2 = peer(bus.connect(Endpoint.named("alpha")),
				auth(keysA, knownByA).defaultPolicy(AuthenticationPolicy.OPTIONAL).build());
		a2.client().send(new OutgoingMessage(utf8("pinned"), B, "q"));
		assertThat(text(next(inbox).payload())).isEqualTo("pinned");
		assertThat(b.provider().peerIdentity(A)).get().extracting(PeerIdentity::pattern).isEqualTo(NoisePattern.KK);
		assertThat(ShortAuthenticationString.of(new byte[32])).hasSize(6);
	}

	@Test
	void trustOnFirstUsePinsTheFirstKeyAndRefusesAChangedOneLoudly() throws Exception {
		StaticKeys keysA = StaticKeys.generate();
		StaticKeys keysB = StaticKeys.generate();
		KnownPeers knownByA = KnownPeers.inMemory();
		KnownPeers knownByB = KnownPeers.inMemory();
		Peer a = peer(A,
				auth(keysA, knownByA).defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(ShortAuthenticationString.Listener.TRUST_ON_FIRST_USE)
					.build());
		Peer b = peer(B,
				auth(keysB, knownByB).defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(ShortAuthenticationString.Listener.TRUST_ON_FIRST_USE)
					.build());
		Subscription inbox = subscribe(b, "q");
		a.client().send(new OutgoingMessage(utf8("first contact"), B, "q"));
		assertThat(text(next(inbox).payload())).isEqualTo("first contact");
		await().atMost(WAIT)
			.until(() -> knownByA.lookup(B, Algorithm.P256).isPresent()
					&& knownByB.lookup(A, Algorithm.P256).isPresent());
		assertThat(knownByA.lookup(B, Algorithm.P256)).get()
			.extracting(KnownPeers.Entry::fingerprint)
			.isEqualTo(keysB.fingerprint(Algorithm.P256));

		// pinned: after a restart the handshake is KK
		a.stop();
		Peer a2 = peer(bus.connect(Endpoint.named("alpha")),
				auth(keysA, knownByA).defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(ShortAuthenticationString.Listener.TRUST_ON_FIRST_USE)
					.build());
		a2.client().send(new OutgoingMessage(utf8("pinned"), B, "q"));
		assertThat(text(next(inbox).payload())).isEqualTo("pinned");
		assertThat(b.provider().peerIdentity(A)).get().extracting(PeerIdentity::pattern).isEqualTo(NoisePattern.KK);

		// the same endpoint with another key: refused, not re-pinned
		a2.stop();
		Peer impostor = peer(bus.connect(Endpoint.named("alpha")),
				auth(StaticKeys.generate(), KnownPeers.inMemory()).defaultPolicy(AuthenticationPolicy.OPTIONAL)
					.shortAuthenticationStrings(ShortAuthenticationString.Listener.TRUST_ON_FIRST_USE)
					.build());
		assertThatThrownBy(() -> impostor.client().send(new OutgoingMessage(utf8("let me in"), B, "q")))
			.isInstanceOf(IpcException.class);
		assertThat(knownByB.lookup(A, Algorithm.P256)).get()
			.extracting(KnownPeers.Entry::fingerprint)
			.isEqualTo(keysA.fingerprint(Algorithm.P256));
	}

	@Test
	void staticKeysAndTheirFileSurviveARestartAndAWrongSecretFailsLoudly() {
		Path file = dir.resolve("state/static-keys");
		StaticKeys first = StaticKeys.loadOrCreate(file, "correct horse battery staple", 1000);
		StaticKeys second = StaticKeys.loadOrCreate(file, "correct horse battery staple", 1000);
		assertThat(second).isEqualTo(first);
		assertThat(second.fingerprint(Algorithm.X25519)).startsWith("SHA256:")
			.isEqualTo(first.fingerprint(Algorithm.X25519));
		assertThat(file).exists();
		assertThatThrownBy(() -> StaticKeys.loadOrCreate(file, "another secret, wrong one", 1000))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("Cannot decrypt")
			.hasMessageNotContaining("wrong one");
		assertThat(first.toString()).doesNotContain("PRIVATE").contains("SHA256:");
	}

	@Test
	void theKnownPeersFileRoundTripsAndIgnoresTamperedLines() throws Exception {
		Path file = dir.resolve("known-peers");
		KnownPeers known = KnownPeers.open(file);
		StaticKeys keys = StaticKeys.generate();
		trust(known, Endpoint.named("with space\tand tab"), keys);
		trust(known, Endpoint.DESKTOP_MAIN, StaticKeys.generate());
		assertThat(KnownPeers.open(file).entries()).isEqualTo(known.entries()).hasSize(4);
		String tampered = Files.readString(file).replace(keys.fingerprint(Algorithm.X25519), "SHA256:forged");
		Files.writeString(file, tampered);
		assertThat(KnownPeers.open(file).entries()).hasSize(3);
		assertThatThrownBy(() -> known.add(Endpoint.DESKTOP_MAIN, Algorithm.P256, keys.publicKey(Algorithm.P256)))
			.isInstanceOf(KnownPeers.KeyChangedException.class)
			.hasMessageContaining("HAS CHANGED");
	}

}
