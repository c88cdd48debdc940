package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.text;
import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeFinish;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.crypto.noise.NoiseTestSupport.MutableClock;
import dev.ipc.crypto.noise.NoiseTestSupport.Node;
import dev.ipc.crypto.noise.NoiseTestSupport.RecordingEvents;
import dev.ipc.crypto.noise.NoiseTestSupport.ScriptedPeer;
import dev.ipc.event.DropReason;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.testing.TestCommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 9 hardening of the Noise provider: wipe on departure (A4), handshake retry within
 * the caller's deadline and stale finishes (A2), key confirmation before a responder
 * switches sessions (B4), rate limits (B5).
 */
class NoiseHardeningTest {

	private static final Endpoint HOST = Endpoint.named("host");

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final long EPOCH = 1_700_000_000L;

	private static final AtomicInteger RANDOM_INDEX = new AtomicInteger();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final ExecutorService pool = Executors.newCachedThreadPool();

	@AfterEach
	void tearDown() throws Exception {
		for (int i = closeables.size() - 1; i >= 0; i--) {
			closeables.get(i).close();
		}
		pool.shutdownNow();
	}

	private static boolean isFrame(byte[] payload, Class<? extends NoiseFrame> type) {
		try {
			return type.isInstance(NoiseFrameCodec.decode(payload));
		}
		catch (NoiseFrameException e) {
			return false;
		}
	}

	private static List<OutgoingMessage> sentTo(TestCommunicationBackend wire, Endpoint to,
			Class<? extends NoiseFrame> type) {
		return wire.outgoing().stream().filter(m -> m.destination().equals(to) && isFrame(m.payload(), type)).toList();
	}

	/**
	 * The provider under test in a running client on a scripted wire; the test plays its
	 * peers by hand.
	 */
	private final class Host {

		final MutableClock clock = new MutableClock(EPOCH);

		final TestCommunicationBackend wire = new TestCommunicationBackend();

		final RecordingEvents events = new RecordingEvents();

		final InMemorySessionRepository<NoiseSession> sessions = new InMemorySessionRepository<>();

		final NoiseCryptoProvider provider;

		final CryptoContext<NoiseSession> context;

		final IpcClient client;

		final Subscription inbox;

		Host(NoiseCryptoProvider.Builder builder) {
			provider = builder.clock(clock).build();
			context = new CryptoContext<>(wire, sessions, events);
			closeables.add(wire);
			client = IpcClient.builder()
				.name("host")
				.backend(wire)
				.crypto(provider, sessions)
				.listener(events)
				.subscriberQueueCapacity(4096)
				.build();
			closeables.add(client);
			client.start();
			inbox = client.subscribeAll();
			closeables.add(inbox);
		}

		/**
		 * The peer runs a handshake with us as initiator; returns its HandshakeStart
		 * frame.
		 */
		byte[] peerInitiates(ScriptedPeer peer) throws Exception {
			int before = sentTo(wire, peer.endpoint, HandshakeFinish.class).size();
			byte[] start = peer.start(NoiseSuite.P256_AESGCM_SHA256);
			push(peer, start);
			await().atMost(WAIT).until(() -> sentTo(wire, peer.endpoint, HandshakeFinish.class).size() > before);
			peer.finish(sentTo(wire, peer.endpoint, HandshakeFinish.class).get(before).payload(),
					NoiseSuite.P256_AESGCM_SHA256);
			return start;
		}

		void push(ScriptedPeer peer, byte[] frame) {
			wire.pushIncoming(peer.incoming(frame, HOST, "t"));
		}

		String next() throws InterruptedException {
			IncomingMessage message = inbox.receive(WAIT);
			assertThat(message).as("a delivered message").isNotNull();
			return text(message.payload());
		}

		/**
		 * Sends from the host and returns the frame it put on the wire (the send must not
		 * handshake).
		 */
		byte[] sendDirect(Endpoint to, String text) {
			int before = sentTo(wire, to, TransportFrame.class).size();
			client.send(new OutgoingMessage(utf8(text), to, "t"));
			List<OutgoingMessage> frames = sentTo(wire, to, TransportFrame.class);
			assertThat(frames).hasSize(before + 1);
			return frames.get(before).payload();
		}

		int handshakeStartsTo(Endpoint to) {
			return sentTo(wire, to, HandshakeStart.class).size();
		}

	}

	private static ScriptedPeer peer(String name) {
		return new ScriptedPeer(new Source.Named(name));
	}

	// =============================================================================== A4:
	// wipe on departure

	/**
	 * Before: the session outlived the peer's departure, so the host's first message to
	 * the rejoined peer (which has no session) was encrypted with the dead session and
	 * lost. Now the next send handshakes and arrives.
	 */
	@Test
	void afterPeerDisconnectedTheNextSendHandshakesAndTheRejoinedPeerGetsIt() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder());
		ScriptedPeer worker = peer("worker");
		host.peerInitiates(worker);
		host.push(worker, worker.transport(utf8("before")));
		assertThat(host.next()).isEqualTo("before");

		host.provider.peerDisconnected(host.context, worker.endpoint);
		assertThat(host.sessions.get(worker.endpoint)).as("removed from the repository").isEmpty();

		ScriptedPeer rejoined = peer("worker"); // a restarted process: same endpoint, no
												// session
		Future<?> send = pool
			.submit(() -> host.client.send(new OutgoingMessage(utf8("after"), rejoined.endpoint, "t")));
		await().atMost(WAIT).until(() -> host.handshakeStartsTo(rejoined.endpoint) == 1);
		host.push(rejoined,
				rejoined.respond(sentTo(host.wire, rejoined.endpoint, HandshakeStart.class).get(0).payload()));
		send.get(5, TimeUnit.SECONDS);
		List<OutgoingMessage> frames = sentTo(host.wire, rejoined.endpoint, TransportFrame.class);
		assertThat(text(rejoined.open(frames.get(frames.size() - 1).payload()))).isEqualTo("after");
		host.push(rejoined, rejoined.transport(utf8("reply")));
		assertThat(host.next()).isEqualTo("reply");
		assertThat(host.events.dropped(DropReason.NO_SESSION)).isZero();
		assertThat(host.events.dropped(DropReason.DECRYPTION_FAILED)).isZero();
	}

	/**
	 * A rejoined peer that speaks first handshakes and its first message is delivered, as
	 * is the answer.
	 */
	@Test
	void aRejoinedPeerThatSpeaksFirstLosesNothing() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder());
		ScriptedPeer worker = peer("worker");
		host.peerInitiates(worker);
		host.provider.peerDisconnected(host.context, worker.endpoint);

		ScriptedPeer rejoined = peer("worker");
		host.peerInitiates(rejoined);
		host.push(rejoined, rejoined.transport(utf8("first after rejoin")));
		assertThat(host.next()).isEqualTo("first after rejoin");
		assertThat(text(rejoined.open(host.sendDirect(rejoined.endpoint, "answer")))).isEqualTo("answer");
	}

	/**
	 * Before: an initiator waiting for a departed peer waited out its whole handshake
	 * timeout.
	 */
	@Test
	void peerDisconnectedFailsAHandshakeInProgressAtOnce() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder().handshakeTimeout(Duration.ofSeconds(60)));
		Endpoint gone = Endpoint.named("gone");
		List<Thread> senders = new java.util.concurrent.CopyOnWriteArrayList<>();
		Future<?> send = pool.submit(() -> {
			senders.add(Thread.currentThread());
			host.client.send(new OutgoingMessage(utf8("x"), gone, "t"));
		});
		Future<?> joiner = pool.submit(() -> {
			senders.add(Thread.currentThread());
			host.provider.send(host.context, new OutgoingMessage(utf8("y"), gone, "t"),
					System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
		});
		// both senders must wait for the one handshake before the peer leaves: a sender
		// that
		// arrives after the departure rightly starts a new one
		await().atMost(WAIT)
			.until(() -> host.handshakeStartsTo(gone) == 1 && senders.size() == 2
					&& senders.stream().allMatch(NoiseHardeningTest::waitsForAHandshake));

		host.provider.peerDisconnected(host.context, gone);
		for (Future<?> waiting : List.of(send, joiner)) {
			assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
				.hasCauseInstanceOf(IpcUnreachableException.class);
		}
		assertThat(host.handshakeStartsTo(gone)).isEqualTo(1);
	}

	/** Whether {@code thread} is parked waiting for a handshake's outcome. */
	private static boolean waitsForAHandshake(Thread thread) {
		Thread.State state = thread.getState();
		if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
			return false;
		}
		for (StackTraceElement frame : thread.getStackTrace()) {
			if (frame.getClassName().equals(Initiator.class.getName())
					&& (frame.getMethodName().equals("awaitOwn") || frame.getMethodName().equals("awaitOther"))) {
				return true;
			}
		}
		return false;
	}

	/**
	 * B2: the provider keeps no per-peer state for peers that have left (after the rejoin
	 * window).
	 */
	@Test
	void perPeerStateIsReleasedWhenPeersLeave() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder());
		List<ScriptedPeer> peers = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			ScriptedPeer peer = peer("p" + i);
			host.peerInitiates(peer);
			host.push(peer, peer.transport(utf8("hello " + i)));
			assertThat(host.next()).isEqualTo("hello " + i);
			peers.add(peer);
		}
		assertThat(host.provider.trackedPeers()).isGreaterThanOrEqualTo(40);
		for (ScriptedPeer peer : peers) {
			host.provider.peerDisconnected(host.context, peer.endpoint);
		}
		assertThat(host.sessions.size()).isZero();

		host.clock.advanceMillis(NoiseCryptoProvider.DEFAULT_DEPARTED_SESSION_RETENTION.toMillis() + 1);
		ScriptedPeer other = peer("other"); // any activity sweeps the expired entries
		host.peerInitiates(other);
		assertThat(host.provider.trackedPeers()).isLessThanOrEqualTo(1);

		Host strict = new Host(NoiseCryptoProvider.builder().departedSessionRetention(Duration.ZERO));
		for (int i = 0; i < 10; i++) {
			ScriptedPeer peer = peer("q" + i);
			strict.peerInitiates(peer);
			strict.provider.peerDisconnected(strict.context, peer.endpoint);
		}
		assertThat(strict.provider.trackedPeers()).isZero();
	}

	/**
	 * A peer with a durable session store that rejoins and still holds its session proves
	 * it with its first frame: the host delivers it and answers under that session,
	 * without a handshake (nothing lost either way).
	 */
	@Test
	void aRejoiningPeerThatStillHoldsItsSessionKeepsItWithinTheRetention() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder());
		ScriptedPeer durable = peer("durable");
		host.peerInitiates(durable);
		host.push(durable, durable.transport(utf8("one")));
		assertThat(host.next()).isEqualTo("one");
		host.provider.peerDisconnected(host.context, durable.endpoint);

		host.push(durable, durable.transport(utf8("two, after the restart")));
		assertThat(host.next()).isEqualTo("two, after the restart");
		assertThat(text(durable.open(host.sendDirect(durable.endpoint, "three")))).isEqualTo("three");
		assertThat(host.handshakeStartsTo(durable.endpoint)).isZero();

		host.provider.peerDisconnected(host.context, durable.endpoint);
		host.clock.advanceMillis(NoiseCryptoProvider.DEFAULT_DEPARTED_SESSION_RETENTION.toMillis() + 1);
		host.push(durable, durable.transport(utf8("too late")));
		await().atMost(WAIT).until(() -> host.events.dropped(DropReason.NO_SESSION) == 1);
	}

	// =============================================================================== B4:
	// key confirmation

	/**
	 * Before: a replayed (or forged) HandshakeStart on the victim's connection made the
	 * responder switch to a session the victim does not have, and every answer was lost
	 * until the victim re-handshook. Now the host keeps its session until the new one is
	 * confirmed by a frame under it, which an attacker cannot produce.
	 */
	@Test
	void aReplayedOrForgedHandshakeStartCostsNoMessage() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder());
		ScriptedPeer victim = peer("victim");
		byte[] capturedStart = host.peerInitiates(victim);
		for (int i = 0; i < 30; i++) {
			if (i == 5 || i == 20) {
				host.push(victim, capturedStart); // replayed
			}
			if (i == 10) {
				host.push(victim, peer("victim").start(NoiseSuite.P256_AESGCM_SHA256)); // forged,
																						// fresh
			}
			if (i == 15) {
				host.clock.advanceSeconds(11); // beyond the decrypt-only grace of a
												// replaced session
			}
			host.push(victim, victim.transport(utf8("request " + i)));
			assertThat(host.next()).isEqualTo("request " + i);
			assertThat(text(victim.open(host.sendDirect(victim.endpoint, "reply " + i)))).isEqualTo("reply " + i);
		}
		assertThat(sentTo(host.wire, victim.endpoint, HandshakeFinish.class)).hasSize(4); // every
																							// start
																							// answered
		assertThat(host.handshakeStartsTo(victim.endpoint)).isZero();
		assertThat(host.events.dropped(DropReason.DECRYPTION_FAILED)).isZero();
		assertThat(host.events.dropped(DropReason.REPLAYED_FRAME)).isZero();
	}

	@IpcPayload("hardening.Ping")
	record Ping(int n) implements RpcRequest<Integer> {
	}

	/**
	 * The reproduction with real clients: RPCs in both directions over a relayed
	 * wire while an attacker who can inject into the host's stream under the victim's
	 * source replays the victim's captured HandshakeStart and forges fresh ones, also
	 * across a rehandshake of the victim. Before: an outage and lost RPCs. Now: none
	 * lost.
	 */
	@Test
	void noRpcIsLostWhileHandshakeStartsAreReplayedAndForged() throws Exception {
		Endpoint victimEndpoint = Endpoint.named("victim");
		MutableClock clock = new MutableClock(EPOCH);
		TestCommunicationBackend hostWire = new TestCommunicationBackend();
		TestCommunicationBackend victimWire = new TestCommunicationBackend();
		closeables.add(hostWire);
		closeables.add(victimWire);
		List<byte[]> captured = new java.util.concurrent.CopyOnWriteArrayList<>();
		hostWire.onSend(m -> victimWire
			.pushIncoming(new IncomingMessage(m.payload(), m.destination(), new Source.Named("host"), m.topic())));
		victimWire.onSend(m -> {
			if (isFrame(m.payload(), HandshakeStart.class)) {
				captured.add(m.payload());
			}
			hostWire
				.pushIncoming(new IncomingMessage(m.payload(), m.destination(), new Source.Named("victim"), m.topic()));
		});
		RecordingEvents hostEvents = new RecordingEvents();
		RecordingEvents victimEvents = new RecordingEvents();
		IpcClient host = IpcClient.builder()
			.name("host")
			.backend(hostWire)
			.crypto(NoiseCryptoProvider.builder().clock(clock).build(), new InMemorySessionRepository<>())
			.listener(hostEvents)
			.build();
		IpcClient victim = IpcClient.builder()
			.name("victim")
			.backend(victimWire)
			.crypto(NoiseCryptoProvider.builder().clock(clock).build(), new InMemorySessionRepository<>())
			.listener(victimEvents)
			.build();
		closeables.add(host);
		closeables.add(victim);
		host.registerRpcHandler(Ping.class, (request, context) -> request.n() + 1000);
		victim.registerRpcHandler(Ping.class, (request, context) -> request.n() + 2000);
		host.start();
		victim.start();
		Source.Named victimSource = new Source.Named("victim");
		for (int i = 0; i < 60; i++) {
			if (i % 7 == 3) {
				byte[] replay = captured.get(RANDOM_INDEX.getAndIncrement() % captured.size());
				hostWire.pushIncoming(new IncomingMessage(replay, HOST, victimSource, null));
			}
			if (i % 11 == 5) {
				hostWire.pushIncoming(new IncomingMessage(
						new ScriptedPeer(victimSource).start(NoiseSuite.P256_AESGCM_SHA256), HOST, victimSource, null));
			}
			if (i == 30) {
				clock.advanceSeconds(301); // the victim rehandshakes on its next request
			}
			assertThat(victim.request(new Ping(i), HOST, WAIT).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1000);
			assertThat(host.request(new Ping(i), victimEndpoint, WAIT).get(10, TimeUnit.SECONDS)).isEqualTo(i + 2000);
		}
		assertThat(captured).hasSizeGreaterThanOrEqualTo(2); // the first handshake and
																// the rehandshake
		for (RecordingEvents events : List.of(hostEvents, victimEvents)) {
			assertThat(events.dropped(DropReason.DECRYPTION_FAILED)).isZero();
			assertThat(events.dropped(DropReason.NO_SESSION)).isZero();
			assertThat(events.invalidated.get()).isZero();
		}
		assertThat(victimEvents.initiatorStarted.get()).isEqualTo(2);
		assertThat(hostEvents.initiatorStarted.get()).isZero();
	}

	/**
	 * A legitimate rehandshake by the peer: the host answers, keeps sending with the old
	 * session until the peer's first frame under the new one arrives, then switches;
	 * frames still in flight under the old one are delivered.
	 */
	@Test
	void aPeersRehandshakeIsAdoptedOnceItsFirstFrameConfirmsTheKey() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder());
		ScriptedPeer before = peer("peer");
		host.peerInitiates(before);
		host.push(before, before.transport(utf8("old 1")));
		assertThat(host.next()).isEqualTo("old 1");

		ScriptedPeer after = peer("peer"); // the same peer's new handshake
		host.peerInitiates(after);
		assertThat(text(before.open(host.sendDirect(before.endpoint, "not yet confirmed"))))
			.isEqualTo("not yet confirmed");
		host.push(after, after.transport(utf8("new 1")));
		assertThat(host.next()).isEqualTo("new 1");
		assertThat(text(after.open(host.sendDirect(after.endpoint, "confirmed")))).isEqualTo("confirmed");
		host.push(before, before.transport(utf8("old 2, in flight")));
		assertThat(host.next()).isEqualTo("old 2, in flight");
		assertThat(host.sessions.get(after.endpoint).orElseThrow().state().receiveKey())
			.isEqualTo(after.state.sendKey());
	}

	// =============================================================================== A2:
	// retry within the deadline

	/**
	 * Drops the first HandshakeStart it is asked to send, like a peer whose receiver was
	 * not attached yet.
	 */
	private static final class DropFirstStart implements CommunicationBackend {

		private final CommunicationBackend delegate;

		final AtomicInteger starts = new AtomicInteger();

		DropFirstStart(CommunicationBackend delegate) {
			this.delegate = delegate;
		}

		@Override
		public void send(OutgoingMessage message) {
			if (isFrame(message.payload(), HandshakeStart.class) && starts.incrementAndGet() == 1) {
				return;
			}
			delegate.send(message);
		}

		@Override
		public BackendReceiver subscribe() {
			return delegate.subscribe();
		}

		@Override
		public void close() {
			delegate.close();
		}

	}

	/**
	 * Before: the first HandshakeStart lost (or answered late) failed the call after the
	 * 2 s handshake timeout even though the call itself had a longer deadline. Now the
	 * handshake is retried within that deadline.
	 */
	@Test
	void theHandshakeIsRetriedWithinTheCallsDeadline() throws Exception {
		InMemoryBus bus = new InMemoryBus();
		Endpoint a = Endpoint.named("a");
		Endpoint b = Endpoint.named("b");
		DropFirstStart lossy = new DropFirstStart(bus.connect(a));
		NoiseCryptoProvider providerA = NoiseCryptoProvider.builder().handshakeTimeout(Duration.ofMillis(300)).build();
		Node nodeA = new Node(a, lossy, providerA);
		closeables.add(nodeA);
		nodeA.start();
		Node nodeB = new Node(b, bus.connect(b), new NoiseCryptoProvider());
		closeables.add(nodeB);
		nodeB.start();
		Subscription atB = nodeB.client.subscribe("t");
		closeables.add(atB);

		CryptoContext<NoiseSession> contextA = new CryptoContext<>(lossy, nodeA.sessions, nodeA.events);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		Future<?> joiner = pool
			.submit(() -> providerA.send(contextA, new OutgoingMessage(utf8("joined"), b, "t"), deadline)); // joins
																											// the
																											// handshake
																											// in
																											// progress,
																											// and
																											// its
																											// retry
		providerA.send(contextA, new OutgoingMessage(utf8("made it"), b, "t"), deadline);
		joiner.get(5, TimeUnit.SECONDS);
		List<String> received = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			IncomingMessage message = atB.receive(WAIT);
			assertThat(message).isNotNull();
			received.add(text(message.payload()));
		}
		assertThat(received).containsExactlyInAnyOrder("made it", "joined");
		assertThat(lossy.starts.get()).isEqualTo(2);
		assertThat(nodeA.events.dropped(DropReason.UNEXPECTED_FRAME)).isZero();
	}

	/**
	 * The late answer to the first attempt arrives during the retry: it is counted stale,
	 * the retry succeeds.
	 */
	@Test
	void aLateFinishDuringTheRetryIsStaleAndTheRetrySucceeds() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder().handshakeTimeout(Duration.ofMillis(300)));
		Endpoint slow = Endpoint.named("slow");
		Future<?> send = pool.submit(() -> host.provider.send(host.context, new OutgoingMessage(utf8("x"), slow, "t"),
				System.nanoTime() + TimeUnit.SECONDS.toNanos(20)));
		await().atMost(WAIT).until(() -> host.handshakeStartsTo(slow) >= 2);
		// answer every start in order, the first one late (after the retry went out);
		// under load there may be more
		List<ScriptedPeer> answered = new ArrayList<>();
		await().atMost(WAIT).until(() -> {
			List<OutgoingMessage> starts = sentTo(host.wire, slow, HandshakeStart.class);
			for (int i = answered.size(); i < starts.size(); i++) {
				ScriptedPeer responder = peer("slow");
				host.push(responder, responder.respond(starts.get(i).payload()));
				answered.add(responder);
			}
			return send.isDone();
		});
		send.get();
		byte[] frame = sentTo(host.wire, slow, TransportFrame.class).get(0).payload();
		List<String> opened = new ArrayList<>();
		for (ScriptedPeer responder : answered) {
			try {
				opened.add(text(responder.open(frame)));
			}
			catch (Exception e) {
				// another attempt's keys
			}
		}
		assertThat(opened).containsExactly("x");
		await().atMost(WAIT).until(() -> host.events.dropped(DropReason.STALE_HANDSHAKE) >= 1);
		assertThat(host.events.dropped(DropReason.UNEXPECTED_FRAME)).isZero();
	}

	/**
	 * Before: the late HandshakeFinish of a timed-out handshake counted as
	 * UNEXPECTED_FRAME.
	 */
	@Test
	void aLateFinishForAnAbandonedHandshakeIsCountedStale() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder().handshakeTimeout(Duration.ofMillis(200)));
		ScriptedPeer slow = peer("slow");
		assertThatThrownBy(() -> host.client.send(new OutgoingMessage(utf8("x"), slow.endpoint, "t")))
			.hasMessageContaining("timed out");
		host.push(slow, slow.respond(sentTo(host.wire, slow.endpoint, HandshakeStart.class).get(0).payload()));
		await().atMost(WAIT).until(() -> host.events.dropped(DropReason.STALE_HANDSHAKE) == 1);
		assertThat(host.events.dropped(DropReason.UNEXPECTED_FRAME)).isZero();
	}

	@Test
	void warmUpPreparesEverySuiteAndIsIdempotent() {
		NoiseCryptoProvider provider = new NoiseCryptoProvider();
		provider.warmUp();
		provider.warmUp();
		assertThat(provider.isWarm()).isTrue();
	}

	// =============================================================================== B5:
	// rate limits

	/**
	 * Before: every HandshakeStart cost a responder handshake (key generation and DH),
	 * without bound.
	 */
	@Test
	void handshakeStartsOfOnePeerAreRateLimited() throws Exception {
		Host host = new Host(NoiseCryptoProvider.builder().handshakeRateLimit(10, Duration.ofSeconds(1)));
		ScriptedPeer flooder = peer("flooder");
		for (int i = 0; i < 50; i++) {
			host.push(flooder, peer("flooder").start(NoiseSuite.P256_AESGCM_SHA256));
		}
		await().atMost(WAIT).until(() -> host.events.dropped(DropReason.RATE_LIMITED) == 40);
		assertThat(sentTo(host.wire, flooder.endpoint, HandshakeFinish.class)).hasSize(10);

		ScriptedPeer neighbour = peer("neighbour"); // other peers are not affected
		host.peerInitiates(neighbour);
		host.clock.advanceSeconds(1);
		host.peerInitiates(flooder); // the window is over
		host.push(flooder, flooder.transport(utf8("ok")));
		assertThat(host.next()).isEqualTo("ok");
	}

	/**
	 * Before: one WARN line per refused HandshakeStart, with the peer's endpoint text
	 * written unescaped.
	 */
	@Test
	void peerTriggeredWarningsAreRateLimitedAndEscaped() throws Exception {
		Logger logger = (Logger) LoggerFactory.getLogger(NoiseCryptoProvider.class);
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		logger.addAppender(appender);
		try {
			Host host = new Host(NoiseCryptoProvider.builder()
				.handshakeRateLimit(1000, Duration.ofSeconds(1))
				.suiteAvailability(suite -> suite != NoiseSuite.X25519_CHACHAPOLY_BLAKE2S));
			ScriptedPeer forger = new ScriptedPeer(new Source.Named("evil\n2026-12-02 WARN forged line"));
			for (int i = 0; i < 30; i++) {
				host.push(forger, forger.start(NoiseSuite.X25519_CHACHAPOLY_BLAKE2S));
			}
			ScriptedPeer fine = peer("fine");
			host.peerInitiates(fine); // everything pushed before has been processed
			host.push(fine, fine.transport(utf8("barrier")));
			assertThat(host.next()).isEqualTo("barrier");
			assertThat(host.events.dropped(DropReason.UNEXPECTED_FRAME)).isEqualTo(30);
			List<String> warnings;
			synchronized (appender) {
				warnings = appender.list.stream()
					.filter(e -> e.getLevel() == Level.WARN)
					.map(ILoggingEvent::getFormattedMessage)
					.collect(Collectors.toList());
			}
			assertThat(warnings).hasSizeBetween(1, 2);
			assertThat(warnings).allSatisfy(w -> assertThat(w).doesNotContain("\n").doesNotContain("\r"));
		}
		finally {
			logger.detachAppender(appender);
		}
	}

}
