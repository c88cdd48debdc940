package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Protocol version 2: negotiated in {@code Hello}, version-1 peers keep getting version-1
 * frames (also from version-2 senders, and the other way round), version-2 peers get
 * {@code Bind}s and compact frames, and hostile compact frames cost only themselves, on
 * the host and on a peer.
 */
class ProtocolVersion2Test {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String USER = System.getProperty("user.name");

	@TempDir
	Path dir;

	private SocketFixture fx;

	@BeforeEach
	void setUp() {
		fx = new SocketFixture(dir.resolve("ipc.sock"));
	}

	@AfterEach
	void tearDown() {
		fx.close();
	}

	@Test
	void compactFramesAndBindsRoundTrip() throws Exception {
		for (String topic : new String[] { null, "", "t", "ü".repeat(200) }) {
			for (int id : new int[] { 0, 1, 127, 128, 16_384, Integer.MAX_VALUE }) {
				byte[] payload = new byte[] { 1, 2, 3 };
				byte[] wire = CompactFrames.encode(CompactFrames.DELIVER, id, topic, payload);
				assertThat(ByteBuffer.wrap(wire).getInt()).isEqualTo(wire.length - 4);
				assertThat(CompactFrames.isCompact(wire, 4, wire.length - 4)).isTrue();
				assertThat(CompactFrames.decode(wire, 4, wire.length - 4))
					.isEqualTo(new CompactFrames.Data(CompactFrames.DELIVER, id, topic, payload));
			}
		}
		// a 200-byte payload to a small id: 4 bytes of header instead of the CBOR
		// envelope
		byte[] compact = CompactFrames.encode(CompactFrames.MESSAGE, 3, null, new byte[200]);
		assertThat(compact.length - 4).isEqualTo(203);
		Frame.Bind bind = new Frame.Bind(70_000, new Source.Named("worker", "alice"));
		byte[] wire = FrameCodec.encode(bind);
		assertThat(FrameCodec.decode(wire, 4, wire.length - 4)).isEqualTo(bind);
		// CBOR frames never look compact
		byte[] ping = FrameCodec.ping();
		assertThat(CompactFrames.isCompact(ping, 4, ping.length - 4)).isFalse();
		byte[] hello = FrameCodec.encode(new Frame.Hello(List.of(1, 2), Endpoint.named("x")));
		assertThat(CompactFrames.isCompact(hello, 4, hello.length - 4)).isFalse();
	}

	@Test
	void aVersion1PeerAndVersion2PeersTalkThroughTheHost() throws Exception {
		SocketTransport host = fx.transport("host", Role.HOST);
		BackendReceiver atHost = host.subscribe();
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		BackendReceiver atAlpha = alpha.subscribe();
		assertThat(alpha.awaitConnected(WAIT)).isTrue();
		try (RawClient old = new RawClient(fx.socket())) {
			old.send(new Frame.Hello(List.of(1), Endpoint.named("old")));
			Frame welcome = old.next(WAIT);
			assertThat(welcome)
				.isEqualTo(new Frame.Welcome(1, Endpoint.named("host"), List.of(Endpoint.named("alpha"))));
			await().atMost(WAIT).until(() -> alpha.reachableEndpoints().contains(Endpoint.named("old")));

			// a version-2 peer and the host to the version-1 peer: CBOR Delivers with the
			// full source
			alpha.send(new OutgoingMessage(new byte[] { 7 }, Endpoint.named("old"), "t"));
			assertThat(old.nextOf(Frame.Deliver.class, WAIT)).isEqualTo(
					new Frame.Deliver(new Source.Named("alpha", USER), Endpoint.named("old"), "t", new byte[] { 7 }));
			host.send(new OutgoingMessage(new byte[] { 8 }, Endpoint.named("old"), null));
			assertThat(old.nextOf(Frame.Deliver.class, WAIT)).isEqualTo(
					new Frame.Deliver(new Source.Named("host", USER), Endpoint.named("old"), null, new byte[] { 8 }));

			// the version-1 peer to the version-2 peer and to the host
			old.send(new Frame.Message(Endpoint.named("alpha"), "t", new byte[] { 9 }));
			IncomingMessage got = atAlpha.receive(WAIT);
			assertThat(got.payload()).containsExactly(9);
			assertThat(got.source()).isEqualTo(new Source.Named("old", USER));
			old.send(new Frame.Message(Endpoint.named("host"), null, new byte[] { 10 }));
			got = atHost.receive(WAIT);
			assertThat(got.payload()).containsExactly(10);
			assertThat(got.source()).isEqualTo(new Source.Named("old", USER));
		}
		// the version-2 peer to the host, compact
		alpha.send(new OutgoingMessage(new byte[] { 11 }, Endpoint.named("host"), "x"));
		IncomingMessage got = atHost.receive(WAIT);
		assertThat(got.payload()).containsExactly(11);
		assertThat(got.topic()).isEqualTo("x");
		assertThat(got.source()).isEqualTo(new Source.Named("alpha", USER));
		assertThat(host.stats().malformedFrames()).isZero();
		assertThat(alpha.stats().malformedFrames()).isZero();
	}

	@Test
	void aVersion2PeerIsToldTheIdsAndGetsCompactDelivers() throws Exception {
		SocketTransport host = fx.transport("host", Role.HOST);
		BackendReceiver atHost = host.subscribe();
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		BackendReceiver atAlpha = alpha.subscribe();
		assertThat(alpha.awaitConnected(WAIT)).isTrue();
		try (Raw2 raw = new Raw2(fx.socket(), "raw")) {
			assertThat(raw.welcome.version()).isEqualTo(2);
			int hostId = raw.idOf("host");
			int alphaId = raw.idOf("alpha");
			int ownId = raw.idOf("raw");
			assertThat(hostId).isEqualTo(HostServer.HOST_ID);
			assertThat(List.of(hostId, alphaId, ownId)).doesNotHaveDuplicates();
			await().atMost(WAIT).until(() -> alpha.reachableEndpoints().contains(Endpoint.named("raw")));

			alpha.send(new OutgoingMessage(new byte[] { 1 }, Endpoint.named("raw"), "t"));
			assertThat(raw.nextData())
				.isEqualTo(new CompactFrames.Data(CompactFrames.DELIVER, alphaId, "t", new byte[] { 1 }));
			host.send(new OutgoingMessage(new byte[] { 2 }, Endpoint.named("raw"), null));
			assertThat(raw.nextData())
				.isEqualTo(new CompactFrames.Data(CompactFrames.DELIVER, hostId, null, new byte[] { 2 }));

			raw.write(CompactFrames.encode(CompactFrames.MESSAGE, hostId, "h", new byte[] { 3 }));
			IncomingMessage got = atHost.receive(WAIT);
			assertThat(got.payload()).containsExactly(3);
			assertThat(got.source()).isEqualTo(new Source.Named("raw", USER));
			raw.write(CompactFrames.encode(CompactFrames.MESSAGE, alphaId, null, new byte[] { 4 }));
			got = atAlpha.receive(WAIT);
			assertThat(got.payload()).containsExactly(4);
			assertThat(got.source()).isEqualTo(new Source.Named("raw", USER));
			// a peer may address itself
			raw.write(CompactFrames.encode(CompactFrames.MESSAGE, ownId, null, new byte[] { 5 }));
			assertThat(raw.nextData())
				.isEqualTo(new CompactFrames.Data(CompactFrames.DELIVER, ownId, null, new byte[] { 5 }));

			// a newcomer is bound before it is announced
			SocketTransport beta = fx.transport("beta", Role.PEER);
			assertThat(beta.awaitConnected(WAIT)).isTrue();
			Frame.Bind bind = (Frame.Bind) raw.nextFrameOf(Frame.Bind.class);
			assertThat(bind.source()).isEqualTo(new Source.Named("beta", USER));
			assertThat(raw.nextFrameOf(Frame.PeerJoined.class)).isEqualTo(new Frame.PeerJoined(Endpoint.named("beta")));
		}
	}

	@Test
	void hostileCompactFramesAreDroppedAndCountedAndCostOnlyThemselves() throws Exception {
		SocketTransport host = fx.transport("host", Role.HOST);
		BackendReceiver atHost = host.subscribe();
		try (Raw2 raw = new Raw2(fx.socket(), "hostile")) {
			byte[][] bodies = { { 0x01 }, // too short
					{ 0x01, (byte) 0x80, (byte) 0x80 }, // the id runs past the frame
					{ 0x01, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x00 }, // a
																										// 6-byte
																										// varint
					{ 0x01, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 0x00 }, // an
																								// id
																								// beyond
																								// 2^31
																								// -
																								// 1
					{ 0x01, 0x00, 0x7F, 'a' }, // the topic runs past the frame
					{ 0x01, 0x00, 0x03, (byte) 0xC3, 0x28 }, // a topic that is not UTF-8
					{ 0x02, 0x00, 0x00, 1, 2, 3 }, // a Deliver from a peer
					{ 0x03, 0x00, 0x00 } }; // not a compact type, and not CBOR either
			for (byte[] body : bodies) {
				raw.write(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array());
			}
			// an id nobody holds: undeliverable, like a name that is not connected
			raw.write(CompactFrames.encode(CompactFrames.MESSAGE, 999_999, null, new byte[] { 1 }));
			await().atMost(WAIT).until(() -> host.stats().malformedFrames() == bodies.length);
			await().atMost(WAIT).until(() -> host.stats().undeliverable() == 1);
			// the connection is kept and still works
			raw.write(CompactFrames.encode(CompactFrames.MESSAGE, HostServer.HOST_ID, null, new byte[] { 42 }));
			assertThat(atHost.receive(WAIT).payload()).containsExactly(42);
		}
		// compact frames on a version-1 connection are malformed; as the first frame, a
		// protocol error
		try (RawClient v1 = new RawClient(fx.socket())) {
			v1.send(new Frame.Hello(List.of(1), Endpoint.named("v1")));
			assertThat(v1.next(WAIT)).isInstanceOf(Frame.Welcome.class);
			long before = host.stats().malformedFrames();
			v1.write(CompactFrames.encode(CompactFrames.MESSAGE, HostServer.HOST_ID, null, new byte[] { 1 }));
			await().atMost(WAIT).until(() -> host.stats().malformedFrames() == before + 1);
			v1.send(new Frame.Message(Endpoint.named("host"), null, new byte[] { 43 }));
			assertThat(atHost.receive(WAIT).payload()).containsExactly(43);
		}
		try (RawClient first = new RawClient(fx.socket())) {
			first.write(CompactFrames.encode(CompactFrames.MESSAGE, HostServer.HOST_ID, null, new byte[] { 1 }));
			Frame answer = first.next(WAIT);
			assertThat(answer).isInstanceOf(Frame.Rejected.class);
			assertThat(((Frame.Rejected) answer).reason()).isEqualTo("ProtocolError");
		}
	}

	@Test
	void aPeerDropsCompactFramesItCannotAttributeAndKeepsTheConnection() throws Exception {
		Path socket = fx.socket();
		try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			server.bind(UnixDomainSocketAddress.of(socket));
			CompletableFuture<SocketTransport> opening = CompletableFuture.supplyAsync(() -> {
				try {
					return fx.transport("peer", Role.PEER);
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			});
			try (SocketChannel toPeer = server.accept()) {
				Frame hello = readFrame(toPeer);
				assertThat(((Frame.Hello) hello).versions()).contains(2);
				write(toPeer, FrameCodec.encode(new Frame.Welcome(2, Endpoint.named("fake-host"), List.of())));
				SocketTransport peer = opening.get();
				BackendReceiver atPeer = peer.subscribe();
				assertThat(peer.awaitConnected(WAIT)).isTrue();
				// from an id never bound, a compact Message (peers do not get those) and
				// a truncated one
				write(toPeer, CompactFrames.encode(CompactFrames.DELIVER, 77, null, new byte[] { 1 }));
				write(toPeer, CompactFrames.encode(CompactFrames.MESSAGE, 77, null, new byte[] { 1 }));
				write(toPeer, new byte[] { 0, 0, 0, 2, 0x02, (byte) 0x80 });
				await().atMost(WAIT).until(() -> peer.stats().malformedFrames() == 3);
				// once bound, the id names its source
				write(toPeer, FrameCodec.encode(new Frame.Bind(77, new Source.Named("other", "someone"))));
				write(toPeer,
						CompactFrames.encode(CompactFrames.DELIVER, 77, "t", "hi".getBytes(StandardCharsets.UTF_8)));
				IncomingMessage got = atPeer.receive(WAIT);
				assertThat(got.source()).isEqualTo(new Source.Named("other", "someone"));
				assertThat(got.destination()).isEqualTo(Endpoint.named("peer"));
				assertThat(got.topic()).isEqualTo("t");
				assertThat(peer.isConnected()).isTrue();
				assertThat(peer.stats().malformedFrames()).isEqualTo(3);
			}
		}
	}

	/** A version-2 raw peer: reads every frame itself, CBOR or compact. */
	private static final class Raw2 implements AutoCloseable {

		final SocketChannel channel;

		final Frame.Welcome welcome;

		final List<Frame.Bind> binds = new ArrayList<>();

		Raw2(Path socket, String name) throws Exception {
			channel = SocketChannel.open(StandardProtocolFamily.UNIX);
			channel.connect(UnixDomainSocketAddress.of(socket));
			ProtocolVersion2Test.write(channel,
					FrameCodec.encode(new Frame.Hello(List.of(1, 2), Endpoint.named(name))));
			welcome = (Frame.Welcome) readFrame(channel);
			// the host, itself, then each peer already connected
			for (int i = 0; i < welcome.peers().size() + 2; i++) {
				binds.add((Frame.Bind) readFrame(channel));
			}
		}

		int idOf(String name) {
			return binds.stream()
				.filter(b -> b.source().toEndpoint().equals(Endpoint.named(name)))
				.findFirst()
				.orElseThrow()
				.id();
		}

		void write(byte[] bytes) throws IOException {
			ProtocolVersion2Test.write(channel, bytes);
		}

		CompactFrames.Data nextData() throws Exception {
			while (true) {
				byte[] body = readBody(channel);
				if (CompactFrames.isCompact(body, 0, body.length)) {
					return CompactFrames.decode(body, 0, body.length);
				}
			}
		}

		Frame nextFrameOf(Class<? extends Frame> type) throws Exception {
			while (true) {
				byte[] body = readBody(channel);
				if (!CompactFrames.isCompact(body, 0, body.length)) {
					Frame frame = FrameCodec.decode(body, 0, body.length);
					if (type.isInstance(frame)) {
						return frame;
					}
				}
			}
		}

		@Override
		public void close() throws IOException {
			channel.close();
		}

	}

	private static void write(SocketChannel channel, byte[] bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
	}

	private static Frame readFrame(SocketChannel channel) throws Exception {
		byte[] body = readBody(channel);
		return FrameCodec.decode(body, 0, body.length);
	}

	private static byte[] readBody(SocketChannel channel) throws IOException {
		ByteBuffer header = ByteBuffer.allocate(4);
		readFully(channel, header);
		ByteBuffer body = ByteBuffer.allocate(header.getInt(0));
		readFully(channel, body);
		return body.array();
	}

	private static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
		while (buffer.hasRemaining()) {
			if (channel.read(buffer) < 0) {
				throw new IOException("end of stream");
			}
		}
	}

}
