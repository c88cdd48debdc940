package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.internal.LogSafe;
import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.codec.IpcJsonModule;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.transport.socket.SocketTestSupport.Echo;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Hostile clients against a host (issue 9, B1-B5): CPU through CBOR tags and nesting,
 * memory through endpoint fields, lock-out by squatting and slowloris connections,
 * look-alike names and log forging, log floods. Each test asserts on counters and
 * answers, never on timing.
 */
class HostHardeningTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@TempDir
	Path dir;

	private SocketFixture fx;

	private SocketTransport host;

	private IpcClient hostClient;

	private final List<DropReason> drops = new CopyOnWriteArrayList<>();

	private final List<RawClient> raws = new CopyOnWriteArrayList<>();

	private final AtomicBoolean stop = new AtomicBoolean();

	private final List<Thread> attackers = new ArrayList<>();

	@BeforeEach
	void setUp() {
		fx = new SocketFixture(dir.resolve("ipc.sock"));
	}

	@AfterEach
	void tearDown() throws Exception {
		stop.set(true);
		for (Thread attacker : attackers) {
			attacker.join(10_000);
		}
		for (RawClient raw : raws) {
			raw.close();
		}
		fx.close();
	}

	private void startHost(UnaryOperator<SocketTransportOptions.Builder> custom) throws Exception {
		IpcEventListener listener = new IpcEventListener() {
			@Override
			public void messageDropped(DropReason reason, Endpoint peer) {
				drops.add(reason);
			}
		};
		host = fx.transport("host", Role.HOST, b -> custom.apply(b.listener(listener)));
		hostClient = fx.plainClient(host);
	}

	private RawClient raw() throws Exception {
		RawClient client = new RawClient(fx.socket());
		raws.add(client);
		return client;
	}

	private Frame hello(RawClient client, Endpoint endpoint) throws Exception {
		client.send(new Frame.Hello(List.of(1), endpoint));
		return client.next(WAIT);
	}

	private static void assertRejected(Frame answer, String reason) {
		assertThat(answer).isInstanceOf(Frame.Rejected.class);
		assertThat(((Frame.Rejected) answer).reason()).isEqualTo(reason);
	}

	private static byte[] text(String s) {
		byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(0x60 | utf8.length);
		out.writeBytes(utf8);
		return out.toByteArray();
	}

	/** A Message to the host whose destination is wrapped in {@code tags} CBOR tags. */
	private static byte[] tagChain(int tags) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(0xA1);
		out.writeBytes(text("Message"));
		out.write(0xA3);
		out.writeBytes(text("destination"));
		for (int i = 0; i < tags; i++) {
			out.write(0xC1);
		}
		out.writeBytes(text("DesktopMain"));
		out.writeBytes(text("topic"));
		out.write(0xF6);
		out.writeBytes(text("payload"));
		out.write(0x40);
		return out.toByteArray();
	}

	/** {@code depth} nested one-element arrays. */
	private static byte[] deep(int depth) {
		byte[] body = new byte[depth + 1];
		java.util.Arrays.fill(body, 0, depth, (byte) 0x81);
		return body;
	}

	private void hostServes(IpcClient from) throws Exception {
		assertThat(from.request(new Echo("ok?"), Endpoint.named("host")).get(10, TimeUnit.SECONDS).by())
			.isEqualTo("host");
	}

	// ------------------------------------------------------------------ B1: CPU per
	// frame

	@Test
	@Timeout(120)
	void tagChainsAndDeepNestingAreRefusedWithoutParsing() throws Exception {
		startHost(b -> b);
		Subscription atHost = hostClient.subscribe("t");
		// before Hello: a megabyte of chained tags is over the first-frame cap and is
		// closed unread
		try (RawClient client = raw()) {
			try {
				client.sendBody(tagChain(1_100_000));
			}
			catch (java.io.IOException ex) {
				// the host closed the connection after the length prefix
			}
			assertThat(client.next(WAIT)).isSameAs(RawClient.EOF);
		}
		assertThat(host.stats().oversizedFrames()).isEqualTo(1);
		// before Hello and within the cap: refused as a protocol error that names the
		// tags
		try (RawClient client = raw()) {
			client.sendBody(tagChain(3000));
			Frame answer = client.next(WAIT);
			assertRejected(answer, "ProtocolError");
			assertThat(((Frame.Rejected) answer).detail()).contains("CBOR tags");
			assertThat(client.next(WAIT)).isSameAs(RawClient.EOF);
		}
		try (RawClient client = raw()) {
			client.sendBody(deep(3000));
			Frame answer = client.next(WAIT);
			assertRejected(answer, "ProtocolError");
			assertThat(((Frame.Rejected) answer).detail()).contains("nested deeper");
		}
		// after Hello: a megabyte of tags, and a megabyte of nesting, are dropped as
		// malformed; the connection stays
		try (RawClient client = raw()) {
			assertThat(hello(client, Endpoint.named("tagger"))).isInstanceOf(Frame.Welcome.class);
			client.sendBody(tagChain(1_000_000));
			client.sendBody(deep(1_000_000));
			client.send(new Frame.Message(Endpoint.named("host"), "t", new byte[] { 42 }));
			IncomingMessage message = atHost.receive(WAIT);
			assertThat(message.payload()).containsExactly(42);
		}
		assertThat(host.stats().malformedFrames()).isEqualTo(4);
		assertThat(host.stats().rejectionsByReason()).containsEntry("ProtocolError", 3L);
		assertThat(drops).contains(DropReason.MALFORMED_FRAME, DropReason.OVERSIZED_FRAME);
	}

	// ------------------------------------------------------------------ B2: memory per
	// registration

	@Test
	@Timeout(120)
	void overlongEndpointFieldsAreRefusedAndTheCachesStayBounded() throws Exception {
		startHost(b -> b.maxConnections(64));
		IpcClient alpha = fx.plainClient(fx.transport("alpha", Role.PEER));
		String huge = "d".repeat(3000);
		for (int i = 0; i < 30; i++) {
			try (RawClient client = raw()) {
				Frame answer = hello(client, new Endpoint.Web(i, huge));
				assertRejected(answer, "ProtocolError");
				assertThat(((Frame.Rejected) answer).detail()).contains("document_id");
			}
		}
		// after Hello, a destination with a huge field is a malformed frame, dropped and
		// counted
		try (RawClient client = raw()) {
			assertThat(hello(client, Endpoint.named("big"))).isInstanceOf(Frame.Welcome.class);
			client.send(new Frame.Message(new Endpoint.Web(1, "x".repeat(500_000)), null, new byte[1]));
			client.send(new Frame.Message(Endpoint.named("host"), null, new byte[1]));
			await().atMost(WAIT).until(() -> host.stats().malformedFrames() == 31);
		}
		// many registrations with the longest fields allowed come and go: the caches stay
		// within their byte bound,
		// and what a departed peer registered is forgotten
		FrameCodec.clearDecodeCaches();
		String longest = "d".repeat(IpcJsonModule.MAX_FIELD_CHARS);
		for (int i = 0; i < 200; i++) {
			Endpoint endpoint = new Endpoint.Web(i, longest);
			try (RawClient client = raw()) {
				assertThat(hello(client, endpoint)).isInstanceOf(Frame.Welcome.class);
				client.send(new Frame.Message(new Endpoint.Web(100_000 + i, longest), null, new byte[1]));
			}
			await().atMost(WAIT)
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(5))
				.until(() -> !host.reachableEndpoints().contains(endpoint));
			assertThat(FrameCodec.cacheBytes()).isLessThanOrEqualTo(3 * FrameCodec.CACHE_MAX_BYTES);
		}
		assertThat(FrameCodec.cacheBytes()).isLessThan(FrameCodec.CACHE_MAX_BYTES);
		hostServes(alpha);
	}

	// ------------------------------------------------------------------ B3: lock-out

	@Test
	@Timeout(120)
	void squattersThatCompletedHelloCannotKeepALegitimatePeerOut() throws Exception {
		// one OS user runs the test, so the user quota is set to the cap: the squatters
		// are the legitimate peer's user
		startHost(b -> b.maxConnections(6).maxConnectionsPerUser(6).idleEvictionAfter(Duration.ofMillis(300)));
		for (int i = 0; i < 6; i++) {
			assertThat(hello(raw(), Endpoint.named("squatter-" + i))).isInstanceOf(Frame.Welcome.class);
		}
		// while the squatters are fresh the cap holds
		RawClient early = raw();
		assertRejected(hello(early, Endpoint.named("early")), "TooManyConnections");
		// the legitimate peer keeps reconnecting; once the squatters have been silent
		// long enough it takes a slot
		SocketTransport legitTransport = fx.transport("legit", Role.PEER);
		IpcClient legit = fx.plainClient(legitTransport);
		// registered on the host, and the peer has processed its Welcome (the host
		// registers first)
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> host.reachableEndpoints().contains(Endpoint.named("legit")) && legitTransport.isConnected());
		hostServes(legit);
		assertThat(hostClient.request(new Echo("h->l"), Endpoint.named("legit")).get(10, TimeUnit.SECONDS).by())
			.isEqualTo("legit");
		assertThat(host.stats().evictions()).isPositive();
		assertThat(((HostServer) hostServer()).slotsInUse()[1]).isLessThanOrEqualTo(6);
	}

	private Object hostServer() {
		return host.hostServer();
	}

	@Test
	@Timeout(120)
	void refilledSlowlorisSlotsCannotKeepALegitimatePeerOut() throws Exception {
		startHost(b -> b.maxPendingConnections(8).maxPendingPerUser(8).helloTimeout(Duration.ofSeconds(2)));
		// the attacker holds more handshaking connections than there are slots, never
		// sends Hello, and reconnects
		// whenever one is closed (a few ms apart when refused)
		Thread attacker = new Thread(() -> {
			List<RawClient> mine = new ArrayList<>();
			try {
				while (!stop.get()) {
					mine.removeIf(c -> {
						try {
							Frame f = c.next(Duration.ZERO);
							if (f != null) {
								c.close();
								return true;
							}
							return false;
						}
						catch (Exception ex) {
							return true;
						}
					});
					if (mine.size() < 12) {
						try {
							mine.add(new RawClient(fx.socket()));
						}
						catch (Exception ex) {
							// the backlog is full
						}
					}
					Thread.sleep(5); // attack pacing, not synchronisation
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				for (RawClient c : mine) {
					try {
						c.close();
					}
					catch (Exception ex) {
						// closing anyway
					}
				}
			}
		}, "slowloris");
		attackers.add(attacker);
		attacker.start();
		await().atMost(WAIT).until(() -> ((HostServer) hostServer()).slotsInUse()[0] >= 8);
		SocketTransport legitTransport = fx.transport("legit", Role.PEER);
		IpcClient legit = fx.plainClient(legitTransport);
		// registered on the host, and the peer has processed its Welcome (the host
		// registers first)
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> host.reachableEndpoints().contains(Endpoint.named("legit")) && legitTransport.isConnected());
		hostServes(legit);
		assertThat(host.stats().evictions()).isPositive();
		assertThat(((HostServer) hostServer()).slotsInUse()[0]).isLessThanOrEqualTo(8);
	}

	@Test
	@Timeout(120)
	void silentHandshakesHoldingEverySlotCannotKeepALegitimatePeerOut() throws Exception {
		// a hello timeout far longer than the test: only replacement can free a slot
		startHost(b -> b.maxConnections(8)
			.maxPendingConnections(8)
			.maxPendingPerUser(8)
			.helloTimeout(Duration.ofSeconds(60)));
		for (int t = 0; t < 8; t++) {
			Thread attacker = new Thread(() -> {
				while (!stop.get()) {
					try (RawClient c = new RawClient(fx.socket())) {
						Frame f;
						do {
							f = c.next(Duration.ofMillis(200));
						}
						while (f != RawClient.EOF && !stop.get());
						Thread.sleep(50); // attack pacing before refilling, not
											// synchronisation
					}
					catch (InterruptedException ex) {
						return;
					}
					catch (Exception ex) {
						// refused at connect: try again
					}
				}
			}, "silent-" + t);
			attackers.add(attacker);
			attacker.start();
		}
		await().atMost(WAIT).until(() -> ((HostServer) hostServer()).slotsInUse()[0] >= 8);
		SocketTransport legitTransport = fx.transport("legit", Role.PEER);
		IpcClient legit = fx.plainClient(legitTransport);
		// registered on the host, and the peer has processed its Welcome (the host
		// registers first)
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> host.reachableEndpoints().contains(Endpoint.named("legit")) && legitTransport.isConnected());
		hostServes(legit);
		assertThat(host.stats().evictions()).isPositive();
	}

	@Test
	@Timeout(120)
	void aPerUserQuotaKeepsOneRemoteAddressFromTakingEverySlot() throws Exception {
		host = fx.track(SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named("host"))
			.tcp(0)
			.role(Role.HOST)
			.maxConnections(6)
			.maxConnectionsPerUser(3)
			.helloTimeout(Duration.ofSeconds(2))
			.build()));
		hostClient = fx.plainClient(host);
		int port = host.localTcpPort();
		for (int i = 0; i < 3; i++) {
			RawClient squatter = RawClient.tcp("127.0.0.2", port);
			raws.add(squatter);
			assertThat(hello(squatter, Endpoint.named("sq-" + i))).isInstanceOf(Frame.Welcome.class);
		}
		RawClient fourth = RawClient.tcp("127.0.0.2", port);
		raws.add(fourth);
		Frame answer = hello(fourth, Endpoint.named("sq-3"));
		assertRejected(answer, "TooManyConnections");
		assertThat(((Frame.Rejected) answer).detail()).contains("this user");
		// another address still gets in
		SocketTransport legitTransport = fx.track(SocketTransport.open(
				SocketTransportOptions.builder().endpoint(Endpoint.named("legit")).tcp(port).role(Role.PEER).build()));
		IpcClient legit = fx.plainClient(legitTransport);
		assertThat(legitTransport.awaitConnected(WAIT)).isTrue();
		hostServes(legit);
	}

	// ------------------------------------------------------------------ B5: names and
	// logs

	/**
	 * A peer that never reads cannot make the host queue subscription updates without
	 * bound: control frames may exceed the data bounds, but not twice the byte bound.
	 * Another peer alternates two announcements of about 1 MB each; the reader that does
	 * not read is disconnected after a few of them (before, only after 1,280 frames).
	 */
	@Test
	void aPeerThatNeverReadsCannotMakeTheHostQueueSubscriptionUpdatesWithoutBound() throws Exception {
		SocketTransport host = fx.transport("ctl", Role.HOST, b -> b.outboundQueueMaxBytes(2 << 20));
		try (RawClient sink = new RawClient(fx.socket(), false); RawClient flooder = new RawClient(fx.socket())) {
			sink.send(new Frame.Hello(List.of(1, 2, 3), Endpoint.named("sink")));
			flooder.send(new Frame.Hello(List.of(1, 2, 3), Endpoint.named("flooder")));
			assertThat(flooder.nextOf(Frame.Welcome.class, WAIT)).isInstanceOf(Frame.Welcome.class);
			await().atMost(WAIT).until(() -> host.stats().connectedPeers() == 2);
			List<List<String>> sets = List.of(topics("a"), topics("b"));
			for (int i = 0; i < 200 && host.stats().connectedPeers() == 2; i++) {
				flooder.send(new Frame.Subscriptions(sets.get(i % 2)));
			}
			await().atMost(WAIT).until(() -> host.stats().connectedPeers() == 1);
		}
	}

	private static List<String> topics(String prefix) {
		List<String> topics = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			topics.add(prefix + i + "-" + "x".repeat(990));
		}
		return topics;
	}

	@Test
	void lookAlikeAndInvisibleNamesAreRefused() throws Exception {
		startHost(b -> b.maxConnections(64));
		List<String> bad = List.of("vault ", " vault", "vault\u200b", "va\u00a0ult", "vault\nINFO forged", "vault\t",
				"\uff56\uff41\uff55\uff4c\uff54", "cafe\u0301", "my  vault", "\u202evault", "vault\u3164",
				"vault\ufe0f", "vault\u2028");
		for (String name : bad) {
			try (RawClient client = raw()) {
				Frame answer = hello(client, Endpoint.named(name));
				assertThat(answer).as(LogSafe.escape(name)).isInstanceOf(Frame.Rejected.class);
				assertThat(((Frame.Rejected) answer).reason()).as(LogSafe.escape(name)).isEqualTo("InvalidEndpoint");
			}
		}
		assertThat(host.stats().rejectionsByReason()).containsEntry("InvalidEndpoint", (long) bad.size());
		for (String name : List.of("vault", "my vault", "tr\u00e9sor", "\u91d1\u5eab")) {
			try (RawClient client = raw()) {
				assertThat(hello(client, Endpoint.named(name))).as(name).isInstanceOf(Frame.Welcome.class);
			}
		}
	}

	@Test
	void peerControlledTextIsEscapedInTheLog() throws Exception {
		startHost(b -> b);
		try (LogCapture logs = new LogCapture()) {
			try (RawClient client = raw()) {
				assertRejected(hello(client, Endpoint.named("evil\n12:00:00.000 INFO forged line")), "InvalidEndpoint");
			}
			// an unknown frame name is quoted in the decoder's message, which is logged
			try (RawClient client = raw()) {
				assertThat(hello(client, Endpoint.named("ok"))).isInstanceOf(Frame.Welcome.class);
				client.sendBody(text("Bad\nWARN forged"));
				await().atMost(WAIT).until(() -> host.stats().malformedFrames() == 1);
			}
			await().atMost(WAIT).until(() -> logs.all().stream().anyMatch(l -> l.contains("evil\\n12:00")));
			assertThat(logs.all()).noneMatch(l -> l.contains("\n"));
			assertThat(logs.all()).anyMatch(l -> l.contains("Bad\\nWARN forged"));
		}
	}

	@Test
	@Timeout(120)
	void aFloodOfBadConnectionsLogsABoundedNumberOfWarnings() throws Exception {
		startHost(b -> b.maxConnections(64));
		IpcClient alpha = fx.plainClient(fx.transport("alpha", Role.PEER));
		try (LogCapture logs = new LogCapture()) {
			for (int i = 0; i < 240; i++) {
				try (RawClient client = raw()) {
					switch (i % 6) {
						case 0 -> client.sendBody("garbage".getBytes(StandardCharsets.US_ASCII));
						case 1 -> client.send(new Frame.Message(Endpoint.named("host"), null, new byte[1]));
						case 2 -> client.write(new byte[] { 0x7F, 0, 0, 0 });
						case 3 -> client.send(new Frame.Hello(List.of(1), Endpoint.named("bad\u200bname-" + i)));
						case 4 -> client.send(new Frame.Hello(List.of(1), Endpoint.named("alpha")));
						default -> {
							client.send(new Frame.Hello(List.of(1), Endpoint.named("sloppy-" + i)));
							client.sendBody(new byte[] { (byte) 0xA1, 0x63, 'F', 'o', 'o', (byte) 0xF6 });
							client.send(new Frame.Message(Endpoint.named("host"), null, new byte[1]));
						}
					}
					if (i % 6 == 5) {
						assertThat(client.nextOf(Frame.Welcome.class, WAIT)).isInstanceOf(Frame.Welcome.class);
						long before = host.stats().malformedFrames();
						await().atMost(WAIT).until(() -> host.stats().malformedFrames() >= before);
					}
					else {
						Frame last;
						do {
							last = client.next(WAIT);
						}
						while (last != null && last != RawClient.EOF);
						assertThat(last).isSameAs(RawClient.EOF);
					}
				}
			}
			await().atMost(WAIT).until(() -> host.stats().malformedFrames() >= 80);
			assertThat(logs.warnings()).hasSizeLessThanOrEqualTo(2 * TransportContext.WARNING_BUDGET);
		}
		hostServes(alpha);
	}

}
