package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.cborText;
import static dev.ipc.crypto.noise.NoiseTestSupport.concat;
import static dev.ipc.crypto.noise.NoiseTestSupport.hex;
import static dev.ipc.crypto.noise.NoiseTestSupport.text;
import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.crypto.noise.NoiseTestSupport.MutableClock;
import dev.ipc.crypto.noise.NoiseTestSupport.Node;
import dev.ipc.crypto.noise.NoiseTestSupport.RecordingEvents;
import dev.ipc.crypto.noise.NoiseTestSupport.ScriptedPeer;
import dev.ipc.event.DropReason;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.testing.TestCommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The provider against spec §4.4–§4.13 and §7 item 20: two Java peers, or one provider
 * against a scripted peer built from the handshake and transport building blocks.
 */
class NoiseCryptoProviderTest {

	private static final Endpoint MAIN = Endpoint.DESKTOP_MAIN;

	private static final Endpoint RENDERER = Endpoint.DESKTOP_RENDERER;

	private static final Duration WAIT = Duration.ofSeconds(5);

	private final InMemoryBus bus = new InMemoryBus();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final ExecutorService pool = Executors.newCachedThreadPool();

	@AfterEach
	void tearDown() throws Exception {
		for (int i = closeables.size() - 1; i >= 0; i--) {
			closeables.get(i).close();
		}
		pool.shutdownNow();
	}

	private Node node(Endpoint endpoint, NoiseCryptoProvider provider) {
		Node node = new Node(endpoint, bus.connect(endpoint), provider);
		closeables.add(node);
		return node;
	}

	private Node started(Endpoint endpoint, NoiseCryptoProvider provider) {
		return node(endpoint, provider).start();
	}

	private Subscription subscribe(Node node, String topic) {
		Subscription subscription = node.client.subscribe(topic);
		closeables.add(subscription);
		return subscription;
	}

	private static IncomingMessage next(Subscription subscription) throws InterruptedException {
		IncomingMessage message = subscription.receive(WAIT);
		assertThat(message).as("message on " + subscription.topic()).isNotNull();
		return message;
	}

	// -------------------------------------------------------------------------------------------
	// spec §7 item 20

	@Test
	void pingPong255RoundTripsOnOneSession() throws Exception {
		Node one = started(MAIN, new NoiseCryptoProvider());
		Node two = started(RENDERER, new NoiseCryptoProvider());
		Subscription pings = subscribe(two, "ping");
		Subscription pongs = subscribe(one, "pong");

		for (int v = 0; v < 255; v++) {
			one.client.send(new OutgoingMessage(new byte[] { (byte) v }, RENDERER, "ping"));
			IncomingMessage ping = next(pings);
			assertThat(ping.payload()).containsExactly((byte) v);
			assertThat(ping.source()).isEqualTo(Source.DESKTOP_MAIN);
			two.client.send(new OutgoingMessage(ping.payload(), MAIN, "pong"));
			assertThat(next(pongs).payload()).containsExactly((byte) v);
		}

		// one handshake (the first send), then both directions on that one session,
		// nonces up to 255
		assertThat(one.events.initiatorCompleted.get()).isEqualTo(1);
		assertThat(two.events.initiatorStarted.get()).isZero();
		assertThat(two.events.responderCompleted.get()).isEqualTo(1);
		NoiseTransportState a = one.session(RENDERER).state();
		NoiseTransportState b = two.session(MAIN).state();
		assertThat(a.sendNonce()).isEqualTo(255);
		assertThat(a.receiveNonce()).isEqualTo(255);
		assertThat(b.sendNonce()).isEqualTo(255);
		assertThat(b.receiveNonce()).isEqualTo(255);
		assertThat(a.sendKey()).isEqualTo(b.receiveKey());
		assertThat(a.receiveKey()).isEqualTo(b.sendKey());
		assertThat(one.session(RENDERER).handshakeHash()).get().isEqualTo(two.session(MAIN).handshakeHash().get());
		assertThat(one.events.dropped(DropReason.DECRYPTION_FAILED) + two.events.dropped(DropReason.DECRYPTION_FAILED))
			.isZero();
	}

	// -------------------------------------------------------------------------------------------
	// golden bytes

	@Test
	void handshakeStartAndFirstTransportFrameAreByteExact() throws Exception {
		TestCommunicationBackend wire = new TestCommunicationBackend();
		InMemorySessionRepository<NoiseSession> sessions = new InMemorySessionRepository<>();
		CryptoContext<NoiseSession> context = new CryptoContext<>(wire, sessions, new RecordingEvents());
		// without large messages a Java initiator's start is the reference's, byte for
		// byte (with them it adds one key, see
		// largeMessageInitiatorAddsOneKeyToTheStart),
		// with the reference's suite (ours initiates with X25519 unless told otherwise)
		NoiseCryptoProvider provider = NoiseCryptoProvider.builder()
			.maxMessageSize(NoiseCryptoProvider.MAX_PLAINTEXT_LENGTH)
			.initiatorSuite(NoiseSuite.P256_AESGCM_SHA256)
			.build();
		closeables.add(NoiseTestSupport.inboundPath(wire, provider, context));

		CompletableFuture<Void> sending = CompletableFuture
			.runAsync(() -> provider.send(context, new OutgoingMessage(utf8("hello"), RENDERER, "greeting")), pool);
		await().atMost(WAIT).until(() -> wire.outgoing().size() == 1);
		OutgoingMessage start = wire.outgoing().get(0);
		assertThat(start.topic()).isNull();
		assertThat(start.destination()).isEqualTo(RENDERER);
		byte[] header = concat(hex("A1"), cborText("HandshakeStart"), hex("A2"), cborText("ciphersuite"),
				cborText("Noise_NN_P256_AESGCM_SHA256"), cborText("noise_frame"), hex("98 41"));
		assertThat(Arrays.copyOf(start.payload(), header.length)).isEqualTo(header);
		assertThat(start.payload()[header.length]).isEqualTo((byte) 0x04); // uncompressed
																			// P-256 point
		NoiseFrame.HandshakeStart decoded = (NoiseFrame.HandshakeStart) NoiseFrameCodec.decode(start.payload());
		assertThat(decoded.noiseFrame()).hasSize(65);
		assertThat(NoiseFrameCodec.encode(decoded)).isEqualTo(start.payload());
		int uintBytes = 0;
		for (byte b : decoded.noiseFrame()) {
			uintBytes += (b & 0xff) < 24 ? 1 : 2;
		}
		assertThat(start.payload()).hasSize(header.length + uintBytes);

		ScriptedPeer renderer = new ScriptedPeer(Source.DESKTOP_RENDERER);
		byte[] finish = renderer.respond(start.payload());
		wire.pushIncoming(renderer.incoming(finish, MAIN, null));
		sending.get(5, TimeUnit.SECONDS);

		OutgoingMessage transport = wire.outgoing().get(1);
		assertThat(transport.topic()).isEqualTo("greeting");
		byte[] expectedHead = concat(hex("A1"), cborText("TransportFrame"), hex("A2"), cborText("payload"), hex("55")); // byte
																														// string
																														// of
																														// 5
																														// +
																														// 16
																														// bytes
		assertThat(Arrays.copyOf(transport.payload(), expectedHead.length)).isEqualTo(expectedHead);
		byte[] tail = concat(cborText("nonce"), hex("01"));
		assertThat(Arrays.copyOfRange(transport.payload(), transport.payload().length - tail.length,
				transport.payload().length))
			.isEqualTo(tail);
		assertThat(transport.payload()).hasSize(expectedHead.length + 21 + tail.length);
		assertThat(text(renderer.open(transport.payload()))).isEqualTo("hello");

		NoiseSession session = sessions.get(RENDERER).orElseThrow();
		assertThat(session.state().sendNonce()).isEqualTo(1);
		assertThat(session.handshakeHash()).get().isEqualTo(renderer.handshakeHash);
	}

	@Test
	void handshakeFinishAndCryptoInvalidatedAreByteExactAndTheTopicTravelsInClear() throws Exception {
		TestCommunicationBackend wire = new TestCommunicationBackend();
		closeables.add(wire);
		RecordingEvents events = new RecordingEvents();
		IpcClient client = IpcClient.builder()
			.backend(wire)
			.crypto(new NoiseCryptoProvider(), new InMemorySessionRepository<NoiseSession>())
			.listener(events)
			.build();
		closeables.add(client);
		client.start();
		Subscription inbox = client.subscribeAll();
		closeables.add(inbox);

		ScriptedPeer web = new ScriptedPeer(new Source.Web(7, "doc", "https://vault.example"));
		wire.pushIncoming(web.incoming(web.start(NoiseSuite.P256_AESGCM_SHA256), MAIN, null));
		await().atMost(WAIT).until(() -> wire.outgoing().size() == 1);
		OutgoingMessage finish = wire.outgoing().get(0);
		assertThat(finish.destination()).isEqualTo(new Endpoint.Web(7, "doc"));
		assertThat(finish.topic()).isNull();
		byte[] header = concat(hex("A1"), cborText("HandshakeFinish"), hex("98 51"));
		assertThat(Arrays.copyOf(finish.payload(), header.length)).isEqualTo(header);
		assertThat(((NoiseFrame.HandshakeFinish) NoiseFrameCodec.decode(finish.payload())).noiseFrame()).hasSize(81);
		web.finish(finish.payload(), NoiseSuite.P256_AESGCM_SHA256);

		wire.pushIncoming(web.incoming(web.transport(utf8("{\"x\":1}")), MAIN, "some.topic"));
		IncomingMessage delivered = inbox.receive(WAIT);
		assertThat(delivered).isNotNull();
		assertThat(text(delivered.payload())).isEqualTo("{\"x\":1}");
		assertThat(delivered.topic()).isEqualTo("some.topic");
		assertThat(delivered.source()).isEqualTo(web.source);

		ScriptedPeer stranger = new ScriptedPeer(new Source.BrowserForeground(3));
		stranger.state = new NoiseTransportState(TransportCipher.AES256_GCM, new byte[32], new byte[32], 0, 0, 0);
		wire.pushIncoming(stranger.incoming(stranger.transport(utf8("lost")), MAIN, "t"));
		await().atMost(WAIT).until(() -> wire.outgoing().size() == 2);
		OutgoingMessage invalidated = wire.outgoing().get(1);
		assertThat(invalidated.payload()).isEqualTo(concat(hex("71"), utf8("CryptoInvalidated")));
		assertThat(HexFormat.of().formatHex(invalidated.payload())).isEqualTo("7143727970746f496e76616c696461746564");
		assertThat(invalidated.topic()).isNull();
		assertThat(invalidated.destination()).isEqualTo(new Endpoint.BrowserForeground(3));
		assertThat(events.dropped(DropReason.NO_SESSION)).isEqualTo(1);
	}

	// -------------------------------------------------------------------------------------------
	// suites

	@ParameterizedTest
	@EnumSource(NoiseSuite.class)
	void eachSuiteAsInitiatorAgainstAJavaResponder(NoiseSuite suite) throws Exception {
		Node initiator = started(MAIN, NoiseCryptoProvider.builder().initiatorSuite(suite).build());
		Node responder = started(RENDERER, new NoiseCryptoProvider());
		Subscription inbound = subscribe(responder, "q");
		Subscription replies = subscribe(initiator, "a");

		initiator.client.send(new OutgoingMessage(utf8("question"), RENDERER, "q"));
		assertThat(text(next(inbound).payload())).isEqualTo("question");
		responder.client.send(new OutgoingMessage(utf8("answer"), MAIN, "a"));
		assertThat(text(next(replies).payload())).isEqualTo("answer");

		assertThat(initiator.events.log).contains("started DesktopRenderer " + suite.protocolName() + " initiator");
		assertThat(responder.events.log).contains("started DesktopMain " + suite.protocolName() + " responder");
		assertThat(initiator.session(RENDERER).state().transportCipher()).isEqualTo(suite.transportCipher());
		assertThat(responder.session(MAIN).state().transportCipher()).isEqualTo(suite.transportCipher());
		assertThat(initiator.session(RENDERER).handshakeHash().get())
			.isEqualTo(responder.session(MAIN).handshakeHash().get());
	}

	@Test
	void anUnavailableInitiatorSuiteIsRefusedAtConstruction() {
		assertThatThrownBy(() -> NoiseCryptoProvider.builder()
			.suiteAvailability(suite -> suite != NoiseSuite.X25519_CHACHAPOLY_BLAKE2S)
			.initiatorSuite(NoiseSuite.X25519_CHACHAPOLY_BLAKE2S)
			.build()).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("Noise_NN_25519_ChaChaPoly_BLAKE2s")
			.hasMessageContaining("Bouncy Castle");
	}

	@Test
	void anUnavailableSuiteIsRefusedAsResponderByDroppingAndReporting() throws Exception {
		Node initiator = started(MAIN,
				NoiseCryptoProvider.builder()
					.initiatorSuite(NoiseSuite.X25519_CHACHAPOLY_BLAKE2S)
					.handshakeTimeout(Duration.ofMillis(300))
					.build());
		Node responder = started(RENDERER,
				NoiseCryptoProvider.builder()
					.suiteAvailability(suite -> suite != NoiseSuite.X25519_CHACHAPOLY_BLAKE2S)
					.build());

		assertThatThrownBy(() -> initiator.client.send(new OutgoingMessage(utf8("x"), RENDERER, "t")))
			.isInstanceOf(IpcException.class)
			.hasMessageContaining("timed out");
		// the initiator's 300 ms can run out before the responder (on its own thread)
		// has reported: wait for the report
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(responder.events.failureReasons)
				.anySatisfy(reason -> assertThat(reason).contains("Noise_NN_25519_ChaChaPoly_BLAKE2s")
					.contains("unavailable")));
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(responder.events.dropped(DropReason.UNEXPECTED_FRAME)).isEqualTo(1));
		assertThat(responder.sessions.size()).isZero();
		assertThat(responder.client.isRunning()).isTrue();
	}

	// -------------------------------------------------------------------------------------------
	// rehandshake

	@Test
	void rehandshakesOnSendOnlyWhenTheSessionIsOlderThanTheInterval() throws Exception {
		MutableClock clock = new MutableClock(1_700_000_000L);
		Node a = started(MAIN, NoiseCryptoProvider.builder().clock(clock).build());
		Node b = started(RENDERER, NoiseCryptoProvider.builder().clock(clock).build());
		Subscription inbox = subscribe(b, "m");

		a.client.send(new OutgoingMessage(utf8("1"), RENDERER, "m"));
		assertThat(text(next(inbox).payload())).isEqualTo("1");
		assertThat(a.session(RENDERER).state().lastHandshakeTime()).isEqualTo(1_700_000_000L);

		clock.advanceSeconds(300); // exactly the interval: not stale (strict "older
									// than")
		a.client.send(new OutgoingMessage(utf8("2"), RENDERER, "m"));
		assertThat(text(next(inbox).payload())).isEqualTo("2");
		assertThat(a.events.initiatorStarted.get()).isEqualTo(1);

		clock.advanceSeconds(1);
		a.client.send(new OutgoingMessage(utf8("3"), RENDERER, "m"));
		assertThat(text(next(inbox).payload())).isEqualTo("3");
		assertThat(a.events.initiatorStarted.get()).isEqualTo(2);
		assertThat(a.session(RENDERER).state().lastHandshakeTime()).isEqualTo(1_700_000_301L);
		assertThat(a.session(RENDERER).state().sendNonce()).isEqualTo(1);
		assertThat(b.session(MAIN).state().lastHandshakeTime()).isEqualTo(1_700_000_301L);

		clock.advanceSeconds(-10_000); // clock went backwards: saturating subtraction,
										// not stale
		a.client.send(new OutgoingMessage(utf8("4"), RENDERER, "m"));
		assertThat(text(next(inbox).payload())).isEqualTo("4");
		assertThat(a.events.initiatorStarted.get()).isEqualTo(2);

		// receive never checks age: B still answers with its (old) responder session
		clock.advanceSeconds(20_000);
		Subscription back = subscribe(a, "r");
		b.client.send(new OutgoingMessage(utf8("r"), MAIN, "r"));
		assertThat(text(next(back).payload())).isEqualTo("r");
	}

	// -------------------------------------------------------------------------------------------
	// unreachable

	@Test
	void unreachableOnSendClearsTheSessionAndTheNextSendHandshakesAgain() throws Exception {
		Node a = started(MAIN, new NoiseCryptoProvider());
		Node b = started(RENDERER, new NoiseCryptoProvider());
		Subscription inbox = subscribe(b, "m");
		a.client.send(new OutgoingMessage(utf8("before"), RENDERER, "m"));
		assertThat(text(next(inbox).payload())).isEqualTo("before");
		NoiseSession old = a.session(RENDERER);

		b.close(); // the peer goes away
		assertThatThrownBy(() -> a.client.send(new OutgoingMessage(utf8("lost"), RENDERER, "m")))
			.isInstanceOf(IpcUnreachableException.class)
			.satisfies(e -> assertThat(((IpcException) e).kind()).isEqualTo(ErrorKind.UNREACHABLE));
		assertThat(a.sessions.get(RENDERER)).isEmpty();
		assertThat(old.isDestroyed()).isTrue(); // fix 7: the dropped session's keys are
												// zeroed
		assertThat(a.client.isRunning()).isTrue();

		Node b2 = started(RENDERER, new NoiseCryptoProvider()); // the peer is back,
																// without sessions
		Subscription inbox2 = subscribe(b2, "m");
		a.client.send(new OutgoingMessage(utf8("after"), RENDERER, "m")); // first send
																			// after
																			// return:
																			// delivered
		assertThat(text(next(inbox2).payload())).isEqualTo("after");
		assertThat(a.events.initiatorCompleted.get()).isEqualTo(2);
	}

	// -------------------------------------------------------------------------------------------
	// timeout, limit

	@Test
	void handshakeTimeoutIsAClearOtherErrorAfterTheConfiguredTime() {
		Node a = started(MAIN, NoiseCryptoProvider.builder().handshakeTimeout(Duration.ofMillis(200)).build());
		CommunicationBackend silent = bus.connect(RENDERER); // connected, but nobody
																// answers
		closeables.add(silent);

		long start = System.nanoTime();
		assertThatThrownBy(() -> a.client.send(new OutgoingMessage(utf8("x"), RENDERER, "t")))
			.isInstanceOf(IpcException.class)
			.hasMessageContaining("timed out after 200 ms")
			.satisfies(e -> assertThat(((IpcException) e).kind()).isEqualTo(ErrorKind.OTHER));
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
		assertThat(a.events.failureReasons).containsExactly("timeout");
		assertThat(a.client.isRunning()).isTrue();
		assertThat(a.sessions.size()).isZero();

		assertThatThrownBy(() -> a.client.send(new OutgoingMessage(utf8("y"), RENDERER, "t")))
			.hasMessageContaining("timed out");
		assertThat(a.events.initiatorStarted.get()).isEqualTo(2); // each send tries again
	}

	@Test
	void largeMessageInitiatorAddsOneKeyToTheStart() throws Exception {
		TestCommunicationBackend wire = new TestCommunicationBackend();
		CryptoContext<NoiseSession> context = new CryptoContext<>(wire, new InMemorySessionRepository<>(),
				new RecordingEvents());
		NoiseCryptoProvider provider = new NoiseCryptoProvider();
		closeables.add(NoiseTestSupport.inboundPath(wire, provider, context));
		CompletableFuture.runAsync(() -> {
			try {
				provider.send(context, new OutgoingMessage(utf8("hello"), RENDERER, "greeting"));
			}
			catch (IpcException ex) {
				// no answer: times out
			}
		}, pool);
		await().atMost(WAIT).until(() -> wire.outgoing().size() == 1);
		byte[] start = wire.outgoing().get(0).payload();
		// the default suite, X25519: a 32-byte ephemeral
		byte[] header = concat(hex("A1"), cborText("HandshakeStart"), hex("A3"), cborText("ciphersuite"),
				cborText("Noise_NN_25519_AESGCM_SHA256"), cborText("noise_frame"), hex("98 20"));
		assertThat(Arrays.copyOf(start, header.length)).isEqualTo(header);
		byte[] tail = concat(cborText("ipc_ext"), hex("49 01 00000001 01000000"));
		assertThat(Arrays.copyOfRange(start, start.length - tail.length, start.length)).isEqualTo(tail);
		NoiseFrame.HandshakeStart decoded = (NoiseFrame.HandshakeStart) NoiseFrameCodec.decode(start);
		assertThat(Features.decode(decoded.extension()))
			.isEqualTo(new Features(Features.FRAGMENTATION, NoiseCryptoProvider.DEFAULT_MAX_MESSAGE_SIZE));
		assertThat(NoiseFrameCodec.encode(decoded)).isEqualTo(start);
	}

	@Test
	void plaintextLimitIs65519BytesAndLargerPayloadsFailClearlyBeforeAnythingIsSent() throws Exception {
		// toward a peer that takes no fragments (as a Bitwarden peer); between two
		// default Java peers larger payloads travel as fragments (FragmentationTest)
		Node a = started(MAIN, new NoiseCryptoProvider());
		Node b = started(RENDERER,
				NoiseCryptoProvider.builder().maxMessageSize(NoiseCryptoProvider.MAX_PLAINTEXT_LENGTH).build());
		Subscription inbox = subscribe(b, "big");

		a.client.send(new OutgoingMessage(new byte[65519], RENDERER, "big"));
		assertThat(next(inbox).payload()).hasSize(65519);

		assertThatThrownBy(() -> a.client.send(new OutgoingMessage(new byte[65520], RENDERER, "big")))
			.isInstanceOf(IpcException.class)
			.hasMessageContaining("65520 bytes")
			.hasMessageContaining("65519 bytes per message")
			.satisfies(e -> assertThat(((IpcException) e).kind()).isEqualTo(ErrorKind.OTHER));
		assertThat(a.session(RENDERER).state().sendNonce()).isEqualTo(1); // no nonce
																			// consumed
		assertThat(inbox.receive(Duration.ofMillis(50))).isNull();
		assertThat(a.client.isRunning()).isTrue();
	}

	@Test
	void defaultsAreTheReferencesButTheSuite() {
		NoiseCryptoProvider provider = new NoiseCryptoProvider();
		// X25519, where the reference initiates with P-256 (every responder accepts both)
		assertThat(provider.initiatorSuite()).isEqualTo(NoiseSuite.X25519_AESGCM_SHA256);
		assertThat(provider.handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(provider.rehandshakeInterval()).isEqualTo(Duration.ofSeconds(300));
		assertThat(NoiseCryptoProvider.MAX_PLAINTEXT_LENGTH).isEqualTo(65519);
	}

	// -------------------------------------------------------------------------------------------
	// restart

	/**
	 * Issue 9 A4 (the reference's upstream fix): B restarts with a fresh in-memory
	 * repository; the bus tells A that B left, A's loop forgets its session, so A's next
	 * message runs a fresh handshake and arrives: nothing is lost.
	 */
	@Test
	void restartedPeerLosesNothingWhenTheTransportReportsItsDeparture() throws Exception {
		Node a = started(MAIN, new NoiseCryptoProvider());
		Node b = started(RENDERER, new NoiseCryptoProvider());
		Subscription inbox = subscribe(b, "m");
		a.client.send(new OutgoingMessage(utf8("m0"), RENDERER, "m"));
		assertThat(text(next(inbox).payload())).isEqualTo("m0");

		b.close();
		await().atMost(WAIT).until(() -> a.sessions.get(RENDERER).isEmpty()); // A's loop
																				// handled
																				// the
																				// departure
		Node restarted = started(RENDERER, new NoiseCryptoProvider());
		Subscription inbox2 = subscribe(restarted, "m");

		a.client.send(new OutgoingMessage(utf8("m1"), RENDERER, "m"));
		assertThat(text(next(inbox2).payload())).isEqualTo("m1");
		assertThat(restarted.events.dropped(DropReason.NO_SESSION)).isZero();
		assertThat(a.events.initiatorCompleted.get()).isEqualTo(2);
	}

	/**
	 * Spec §4.10, over a transport that cannot report departures: B restarts with a fresh
	 * in-memory repository. A's next message goes out under the old session, B answers
	 * {@code CryptoInvalidated} and drops it: exactly one message is lost, as with the
	 * reference. A's loop drops its session, and A's following send handshakes again and
	 * arrives. (An RPC request lost this way is re-sent by the client:
	 * {@code RpcRecoveryTest}.)
	 */
	@Test
	void restartedPeerBehindATransportThatCannotTellLosesOneMessageThenThePairRecovers() throws Exception {
		CommunicationBackend busOfA = bus.connect(MAIN);
		CommunicationBackend cannotTell = new CommunicationBackend() {
			@Override
			public void send(OutgoingMessage message) {
				busOfA.send(message);
			}

			@Override
			public dev.ipc.spi.BackendReceiver subscribe() {
				return busOfA.subscribe();
			}

			@Override
			public void close() {
				busOfA.close();
			}
		};
		Node a = new Node(MAIN, cannotTell, new NoiseCryptoProvider());
		closeables.add(a);
		a.start();
		Node b = started(RENDERER, new NoiseCryptoProvider());
		Subscription inbox = subscribe(b, "m");
		a.client.send(new OutgoingMessage(utf8("m0"), RENDERER, "m"));
		assertThat(text(next(inbox).payload())).isEqualTo("m0");

		b.close();
		Node restarted = started(RENDERER, new NoiseCryptoProvider());
		Subscription inbox2 = subscribe(restarted, "m");

		a.client.send(new OutgoingMessage(utf8("m1"), RENDERER, "m")); // lost
		await().atMost(WAIT).until(() -> a.sessions.get(RENDERER).isEmpty());
		assertThat(restarted.events.dropped(DropReason.NO_SESSION)).isEqualTo(1);
		assertThat(a.events.invalidated.get()).isEqualTo(1);

		a.client.send(new OutgoingMessage(utf8("m2"), RENDERER, "m"));
		assertThat(text(next(inbox2).payload())).isEqualTo("m2");
		assertThat(inbox2.receive(Duration.ofMillis(50))).isNull(); // m1 never arrives
		assertThat(a.events.initiatorCompleted.get()).isEqualTo(2);
	}

	// -------------------------------------------------------------------------------------------
	// hygiene

	@Test
	void toStringNeverShowsKeyMaterial() throws Exception {
		Node a = started(MAIN, new NoiseCryptoProvider());
		Node b = started(RENDERER, new NoiseCryptoProvider());
		Subscription inbox = subscribe(b, "m");
		a.client.send(new OutgoingMessage(utf8("x"), RENDERER, "m"));
		next(inbox);
		NoiseSession session = a.session(RENDERER);
		byte[] sendKey = session.state().sendKey();
		byte[] receiveKey = session.state().receiveKey();
		String printed = session + " " + a.provider + " " + a.sessions.get(RENDERER);
		assertThat(printed).contains("<redacted>")
			.contains("sendNonce=1")
			.doesNotContain(HexFormat.of().formatHex(sendKey))
			.doesNotContain(HexFormat.of().withUpperCase().formatHex(sendKey))
			.doesNotContain(Arrays.toString(sendKey))
			.doesNotContain(Arrays.toString(receiveKey))
			.doesNotContain(java.util.Base64.getEncoder().encodeToString(sendKey));
		assertThat(a.provider.toString()).isEqualTo("NoiseCryptoProvider[initiatorSuite=Noise_NN_25519_AESGCM_SHA256, "
				+ "handshakeTimeout=PT2S, rehandshakeInterval=PT5M]");
		session.close();
		assertThat(session.isDestroyed()).isTrue();
		assertThat(session.handshakeHash()).isEmpty();
		assertThat(session.toString()).contains("destroyed");
	}

}
