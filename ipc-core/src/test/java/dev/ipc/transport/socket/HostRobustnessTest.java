package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.transport.socket.SocketTestSupport.Echo;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Hostile and broken clients, driven byte by byte: the host survives all of them and
 * keeps serving the others.
 */
class HostRobustnessTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String USER = System.getProperty("user.name");

	@TempDir
	Path dir;

	private SocketFixture fx;

	private SocketTransport host;

	private IpcClient hostClient;

	private IpcClient alpha;

	private final List<DropReason> drops = new CopyOnWriteArrayList<>();

	@BeforeEach
	void setUp(TestInfo test) throws Exception {
		// a short hello timeout only where it is under test: on a loaded machine a raw
		// client can take longer than that between connecting and sending its Hello
		Duration helloTimeout = test.getTestMethod()
			.filter(m -> m.getName().equals("aClientThatSaysNothingIsClosedAfterTheHelloTimeout"))
			.isPresent() ? Duration.ofMillis(300) : Duration.ofSeconds(30);
		fx = new SocketFixture(dir.resolve("ipc.sock"));
		IpcEventListener listener = new IpcEventListener() {
			@Override
			public void messageDropped(DropReason reason, Endpoint peer) {
				drops.add(reason);
			}
		};
		host = fx.transport("host", Role.HOST,
				b -> b.listener(listener)
					.helloTimeout(helloTimeout)
					.maxConnections(6)
					.outboundQueueCapacity(4)
					.maxFrameBytes(SocketTransportOptions.MIN_MAX_FRAME_BYTES)
					.outboundQueueMaxBytes(4L * 1024 * 1024));
		// raw clients below inject unencrypted frames, so these clients do not encrypt
		// either
		hostClient = fx.plainClient(host);
		alpha = fx.plainClient(fx.transport("alpha", Role.PEER));
	}

	@AfterEach
	void tearDown() {
		fx.close();
	}

	private RawClient raw() throws Exception {
		return new RawClient(fx.socket());
	}

	private RawClient registered(String name) throws Exception {
		RawClient client = raw();
		client.send(new Frame.Hello(List.of(1), Endpoint.named(name)));
		assertThat(client.next(WAIT)).isInstanceOf(Frame.Welcome.class);
		return client;
	}

	/** The host still serves: a fresh RPC from a well-behaved peer succeeds. */
	private void hostStillServes() throws Exception {
		assertThat(alpha.request(new Echo("ok?"), Endpoint.named("host")).get(10, TimeUnit.SECONDS).by())
			.isEqualTo("host");
		assertThat(host.isConnected()).isTrue();
	}

	@Test
	void garbageBeforeHelloClosesOnlyThatConnection() throws Exception {
		try (RawClient client = raw()) {
			client.sendBody("this is not CBOR at all".getBytes(StandardCharsets.US_ASCII));
			Frame answer = client.next(WAIT);
			assertThat(answer).isInstanceOf(Frame.Rejected.class);
			assertThat(((Frame.Rejected) answer).reason()).isEqualTo("ProtocolError");
			assertThat(client.next(WAIT)).isSameAs(RawClient.EOF);
		}
		assertThat(host.stats().malformedFrames()).isEqualTo(1);
		assertThat(drops).contains(DropReason.MALFORMED_FRAME);
		hostStillServes();
	}

	@Test
	void randomJunkStreamsAreSurvived() throws Exception {
		Random random = new Random(99);
		for (int i = 0; i < 20; i++) {
			try (RawClient client = raw()) {
				byte[] junk = new byte[1 + random.nextInt(2000)];
				random.nextBytes(junk);
				client.write(junk);
				Frame last;
				do {
					last = client.next(WAIT);
				}
				while (last != null && last != RawClient.EOF);
				// either the host closed it (bad length, bad frame) or it is waiting for
				// more bytes (hello timeout)
				assertThat(last).isSameAs(RawClient.EOF);
			}
		}
		hostStillServes();
	}

	@Test
	void anHttpRequestReadsAsAnOversizedLengthAndIsClosed() throws Exception {
		try (RawClient client = raw()) {
			client.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(client.next(WAIT)).isSameAs(RawClient.EOF);
		}
		assertThat(host.stats().oversizedFrames()).isEqualTo(1);
		hostStillServes();
	}

	@Test
	void aTwoGigabyteLengthPrefixClosesTheConnectionWithoutAllocating() throws Exception {
		try (RawClient registered = registered("mallory"); RawClient anonymous = raw()) {
			registered.write(new byte[] { (byte) 0x80, 0, 0, 0 });
			anonymous.write(new byte[] { (byte) 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1, 2, 3 });
			assertThat(registered.nextOf(Frame.Deliver.class, WAIT)).isSameAs(RawClient.EOF);
			assertThat(anonymous.next(WAIT)).isSameAs(RawClient.EOF);
		}
		assertThat(host.stats().oversizedFrames()).isEqualTo(2);
		assertThat(drops).contains(DropReason.OVERSIZED_FRAME);
		await().atMost(WAIT).until(() -> !host.reachableEndpoints().contains(Endpoint.named("mallory")));
		hostStillServes();
	}

	@Test
	void anOversizedFrameFromAPeerClosesOnlyThatPeer() throws Exception {
		try (RawClient bulky = registered("bulky")) {
			bulky.sendBody(new byte[SocketTransportOptions.MIN_MAX_FRAME_BYTES + 1]);
			assertThat(bulky.nextOf(Frame.Deliver.class, WAIT)).isSameAs(RawClient.EOF);
		}
		assertThat(host.stats().oversizedFrames()).isEqualTo(1);
		hostStillServes();
	}

	@Test
	void aTruncatedFrameIsCountedAndThePeerRemoved() throws Exception {
		RawClient client = registered("cut");
		await().atMost(WAIT).until(() -> host.reachableEndpoints().contains(Endpoint.named("cut")));
		client.write(ByteBuffer.allocate(14).putInt(100).put(new byte[10]).array());
		client.close();
		await().atMost(WAIT).until(() -> !host.reachableEndpoints().contains(Endpoint.named("cut")));
		assertThat(host.stats().malformedFrames()).isEqualTo(1);
		hostStillServes();
	}

	@Test
	void aMalformedFrameAfterHelloIsDroppedAndTheConnectionKept() throws Exception {
		Subscription atHost = hostClient.subscribe("t");
		try (RawClient client = registered("sloppy")) {
			client.sendBody(new byte[] { (byte) 0xA1, 0x63, 'F', 'o', 'o', (byte) 0xF6 });
			client.send(new Frame.Message(Endpoint.named("host"), "t", new byte[] { 42 }));
			IncomingMessage message = atHost.receive(WAIT);
			assertThat(message.payload()).containsExactly(42);
			assertThat(message.source()).isEqualTo(new Source.Named("sloppy", USER));
		}
		assertThat(host.stats().malformedFrames()).isEqualTo(1);
	}

	@Test
	void aForgedHelloForAConnectedNameIsRefused() throws Exception {
		for (String name : List.of("alpha", "host")) {
			try (RawClient forger = raw()) {
				forger.send(new Frame.Hello(List.of(1), Endpoint.named(name)));
				Frame answer = forger.next(WAIT);
				assertThat(answer)
					.isEqualTo(new Frame.Rejected("EndpointInUse", "Named[name=" + name + "] is already connected"));
				assertThat(forger.next(WAIT)).isSameAs(RawClient.EOF);
			}
		}
		// the real alpha is still alpha
		assertThat(alpha.request(new Echo("me"), Endpoint.named("host")).get(10, TimeUnit.SECONDS).callerSource())
			.isEqualTo(new Source.Named("alpha", USER).toString());
	}

	@Test
	void theSourceIsStampedFromTheRegistrationNotFromWhatTheSenderClaims() throws Exception {
		Subscription atHost = hostClient.subscribe("t");
		try (RawClient mallory = registered("mallory")) {
			// a Message with an extra "source" field claiming to be alpha: unknown fields
			// are ignored
			byte[] dest = FrameCodec.endpointBytes(Endpoint.named("host"));
			byte[] claimed = FrameCodec.sourceBytes(new Source.Named("alpha", USER));
			ByteBuffer body = ByteBuffer.allocate(200);
			body.put((byte) 0xA1)
				.put(text("Message"))
				.put((byte) 0xA4)
				.put(text("source"))
				.put(claimed)
				.put(text("destination"))
				.put(dest)
				.put(text("topic"))
				.put(text("t"))
				.put(text("payload"))
				.put((byte) 0x41)
				.put((byte) 7);
			byte[] bytes = new byte[body.position()];
			body.flip().get(bytes);
			mallory.sendBody(bytes);
			IncomingMessage message = atHost.receive(WAIT);
			assertThat(message.payload()).containsExactly(7);
			assertThat(message.source()).isEqualTo(new Source.Named("mallory", USER));
		}
	}

	private static byte[] text(String s) {
		byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
		byte[] out = new byte[utf8.length + 1];
		out[0] = (byte) (0x60 | utf8.length);
		System.arraycopy(utf8, 0, out, 1, utf8.length);
		return out;
	}

	@Test
	void aClientThatSaysNothingIsClosedAfterTheHelloTimeout() throws Exception {
		try (RawClient silent = raw()) {
			Frame answer = silent.next(WAIT);
			assertThat(answer).isInstanceOf(Frame.Rejected.class);
			assertThat(((Frame.Rejected) answer).reason()).isEqualTo("HelloTimeout");
			assertThat(silent.next(WAIT)).isSameAs(RawClient.EOF);
		}
		assertThat(host.stats().helloTimeouts()).isEqualTo(1);
		hostStillServes();
	}

	@Test
	void aMessageBeforeHelloIsAProtocolError() throws Exception {
		try (RawClient client = raw()) {
			client.send(new Frame.Message(Endpoint.named("host"), "t", new byte[] { 1 }));
			Frame answer = client.next(WAIT);
			assertThat(answer).isInstanceOf(Frame.Rejected.class);
			assertThat(((Frame.Rejected) answer).reason()).isEqualTo("ProtocolError");
		}
		hostStillServes();
	}

	@Test
	void anUnsupportedVersionIsRefusedAndAnOfferOfSeveralNegotiates() throws Exception {
		try (RawClient future = raw()) {
			future.send(new Frame.Hello(List.of(7, 8), Endpoint.named("future")));
			Frame answer = future.next(WAIT);
			assertThat(answer).isInstanceOf(Frame.Rejected.class);
			assertThat(((Frame.Rejected) answer).reason()).isEqualTo("UnsupportedVersion");
		}
		// the highest version both speak: 2 since protocol version 2 (compact data
		// frames), 3 since protocol version 3 (publications); 4 is unknown
		try (RawClient flexible = raw()) {
			flexible.send(new Frame.Hello(List.of(1, 2, 4), Endpoint.named("flexible")));
			Frame answer = flexible.next(WAIT);
			assertThat(answer)
				.isEqualTo(new Frame.Welcome(2, Endpoint.named("host"), List.of(Endpoint.named("alpha"))));
		}
		try (RawClient newest = raw()) {
			newest.send(new Frame.Hello(List.of(1, 2, 3, 4), Endpoint.named("newest")));
			Frame answer = newest.next(WAIT);
			assertThat(answer)
				.isEqualTo(new Frame.Welcome(3, Endpoint.named("host"), List.of(Endpoint.named("alpha"))));
		}
		try (RawClient older = raw()) {
			older.send(new Frame.Hello(List.of(1, 4), Endpoint.named("older")));
			Frame answer = older.next(WAIT);
			assertThat(answer)
				.isEqualTo(new Frame.Welcome(1, Endpoint.named("host"), List.of(Endpoint.named("alpha"))));
		}
	}

	@Test
	void connectionsBeyondTheCapAreRefused() throws Exception {
		// alpha plus five silent raw connections fill the cap of six
		List<RawClient> filler = new CopyOnWriteArrayList<>();
		try {
			for (int i = 0; i < 5; i++) {
				filler.add(registered("filler-" + i));
			}
			// the cap counts registered peers (handshaking connections have their own
			// pool): a sixth Hello is refused
			try (RawClient extra = raw()) {
				extra.send(new Frame.Hello(List.of(1), Endpoint.named("extra")));
				Frame answer = extra.next(WAIT);
				assertThat(answer).isInstanceOf(Frame.Rejected.class);
				assertThat(((Frame.Rejected) answer).reason()).isEqualTo("TooManyConnections");
			}
			hostStillServes();
		}
		finally {
			for (RawClient client : filler) {
				client.close();
			}
		}
		await().atMost(WAIT).until(() -> host.stats().connectedPeers() == 1);
		try (RawClient later = registered("later")) {
			assertThat(host.reachableEndpoints()).contains(Endpoint.named("later"));
		}
	}

	@Test
	void aSlowReaderNeverBlocksTheHost() throws Exception {
		try (RawClient slow = new RawClient(fx.socket(), false)) {
			slow.send(new Frame.Hello(List.of(1), Endpoint.named("slow")));
			await().atMost(WAIT).until(() -> host.reachableEndpoints().contains(Endpoint.named("slow")));
			byte[] chunk = new byte[60_000];
			int refused = 0;
			for (int i = 0; i < 200 && refused == 0; i++) {
				try {
					host.send(new OutgoingMessage(chunk, Endpoint.named("slow"), "t"));
				}
				catch (IpcException ex) {
					assertThat(ex.kind()).isEqualTo(ErrorKind.OTHER);
					refused++;
				}
			}
			assertThat(refused).isEqualTo(1);
			// messages routed from another peer to the stuck one are dropped and counted,
			// not queued without end
			long overflowBefore = host.stats().overflowDrops();
			SocketTransport betaTransport = fx.transport("beta", Role.PEER);
			await().atMost(WAIT).until(() -> betaTransport.reachableEndpoints().contains(Endpoint.named("slow")));
			for (int i = 0; i < 30; i++) {
				betaTransport.send(new OutgoingMessage(chunk, Endpoint.named("slow"), "t"));
			}
			// the stuck connection can absorb at most a queue and a batch more, so most
			// of these are dropped
			await().atMost(WAIT).until(() -> host.stats().overflowDrops() > overflowBefore);
			assertThat(drops).contains(DropReason.TRANSPORT_OVERFLOW);
			hostStillServes();
		}
	}

	@Test
	void theHostSurvivesAPeerThatDisappearsMidStream() throws Exception {
		RawClient vanishing = registered("vanishing");
		vanishing.write(new byte[] { 0, 0 });
		vanishing.close();
		await().atMost(WAIT).until(() -> !host.reachableEndpoints().contains(Endpoint.named("vanishing")));
		assertThatThrownBy(() -> host.send(new OutgoingMessage(new byte[1], Endpoint.named("vanishing"), null)))
			.isInstanceOf(dev.ipc.spi.IpcUnreachableException.class);
		hostStillServes();
	}

}
