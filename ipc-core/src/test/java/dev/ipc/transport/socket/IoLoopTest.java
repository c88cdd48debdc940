package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * The I/O loop behind the socket transport: one thread for every connection, frames cut
 * correctly whatever the stream's chunking (split prefixes, many frames in one read,
 * frames larger than the read buffer), partial writes to a slow reader finished in order
 * once it reads, and a close started on the loop itself.
 */
class IoLoopTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

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

	private RawClient registered(String name) throws Exception {
		RawClient client = new RawClient(fx.socket());
		client.send(new Frame.Hello(List.of(1), Endpoint.named(name)));
		assertThat(client.nextOf(Frame.Welcome.class, WAIT)).isInstanceOf(Frame.Welcome.class);
		return client;
	}

	@Test
	void aHostServesManyPeersFromOneThread() throws Exception {
		SocketTransport host = fx.transport("onethread", Role.HOST);
		List<RawClient> clients = new ArrayList<>();
		try {
			for (int i = 0; i < 30; i++) {
				clients.add(registered("p" + i));
			}
			SocketTransport peer = fx.transport("onethread-peer", Role.PEER);
			assertThat(peer.awaitConnected(WAIT)).isTrue();
			await().atMost(WAIT).until(() -> host.stats().connectedPeers() == 31);
			assertThat(SocketTransportTest.threadsNamed("ipc-socket-onethread-")).containsExactlyInAnyOrder(
					"ipc-socket-onethread-io", "ipc-socket-onethread-peer-io", "ipc-socket-onethread-peer-connect");
		}
		finally {
			for (RawClient client : clients) {
				client.close();
			}
		}
	}

	@Test
	void framesAreCutRightWhateverTheChunkingOfTheStream() throws Exception {
		SocketTransport host = fx.transport("chunks", Role.HOST);
		BackendReceiver receiver = host.subscribe();
		try (RawClient client = registered("chunker")) {
			// many frames in one write: every Ping is answered
			byte[] ping = FrameCodec.ping();
			byte[] pings = new byte[ping.length * 50];
			for (int i = 0; i < 50; i++) {
				System.arraycopy(ping, 0, pings, i * ping.length, ping.length);
			}
			client.write(pings);
			for (int i = 0; i < 50; i++) {
				assertThat(client.nextOf(Frame.Pong.class, WAIT)).isInstanceOf(Frame.Pong.class);
			}
			// a frame dribbled one byte per write, its length prefix split too
			byte[] small = payload(300, 1);
			dribble(client, message("chunks", small), 1);
			assertThat(receiver.receive(WAIT).payload()).isEqualTo(small);
			// frames larger than the read buffer, in odd steps, one right behind the
			// other in the stream
			byte[] large = payload(200_000, 2);
			byte[] larger = payload(IoLoop.READ_CHUNK * 4 + 3, 3);
			byte[] both = concat(message("chunks", large), message("chunks", larger));
			dribble(client, both, 7_001);
			assertThat(receiver.receive(WAIT).payload()).isEqualTo(large);
			assertThat(receiver.receive(WAIT).payload()).isEqualTo(larger);
			// a frame of almost the read buffer's size between two small ones, in one
			// write
			byte[] p1 = payload(1, 4);
			byte[] p2 = payload(IoLoop.READ_CHUNK - 64, 5);
			byte[] p3 = payload(10, 6);
			client.write(concat(concat(message("chunks", p1), message("chunks", p2)), message("chunks", p3)));
			assertThat(receiver.receive(WAIT).payload()).isEqualTo(p1);
			assertThat(receiver.receive(WAIT).payload()).isEqualTo(p2);
			assertThat(receiver.receive(WAIT).payload()).isEqualTo(p3);
		}
		assertThat(host.stats().malformedFrames()).isZero();
	}

	@Test
	void aSlowReaderGetsEveryFrameInOrderOnceItReads() throws Exception {
		SocketTransport host = fx.transport("slowhost", Role.HOST);
		try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			channel.connect(UnixDomainSocketAddress.of(fx.socket()));
			write(channel, FrameCodec.encode(new Frame.Hello(List.of(1), Endpoint.named("sleepy"))));
			assertThat(readFrame(channel)).isInstanceOf(Frame.Welcome.class);
			// far more than the socket buffers hold: the host's writes stay partial until
			// the peer reads
			int count = 120;
			for (int i = 0; i < count; i++) {
				host.send(new OutgoingMessage(payload(40_000, i), Endpoint.named("sleepy"), "t"));
			}
			for (int i = 0; i < count; i++) {
				Frame frame = readFrame(channel);
				assertThat(frame).isInstanceOf(Frame.Deliver.class);
				assertThat(((Frame.Deliver) frame).payload()).isEqualTo(payload(40_000, i));
			}
		}
		assertThat(host.stats().overflowDrops()).isZero();
	}

	@Test
	void aTransportClosedFromItsOwnLoopStopsWithoutWaitingForItself() throws Exception {
		SocketTransport host = fx.transport("selfclose", Role.HOST);
		SocketTransport peer = fx.transport("selfclose-peer", Role.PEER);
		assertThat(peer.awaitConnected(WAIT)).isTrue();
		BackendReceiver receiver = host.subscribe();
		receiver.deliverTo(new MessageSink((IncomingMessage m) -> host.close()));
		peer.send(new OutgoingMessage(new byte[] { 1 }, Endpoint.named("selfclose"), "t"));
		await().atMost(WAIT).until(() -> SocketTransportTest.threadsNamed("ipc-socket-selfclose-io").isEmpty());
		assertThat(host.isConnected()).isFalse();
		await().atMost(WAIT).until(() -> !peer.isConnected());
	}

	private static byte[] message(String to, byte[] payload) {
		return FrameCodec.message(FrameCodec.endpointBytes(Endpoint.named(to)), "t", payload);
	}

	private static byte[] payload(int size, int seed) {
		byte[] b = new byte[size];
		for (int i = 0; i < size; i++) {
			b[i] = (byte) (i * 31 + seed);
		}
		return b;
	}

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] out = Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, out, a.length, b.length);
		return out;
	}

	private static void dribble(RawClient client, byte[] bytes, int step) throws IOException {
		for (int at = 0; at < bytes.length; at += step) {
			client.write(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + step)));
		}
	}

	private static void write(SocketChannel channel, byte[] bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
	}

	private static Frame readFrame(SocketChannel channel) throws Exception {
		ByteBuffer header = ByteBuffer.allocate(4);
		readFully(channel, header);
		ByteBuffer body = ByteBuffer.allocate(header.getInt(0));
		readFully(channel, body);
		return FrameCodec.decode(body.array(), 0, body.capacity());
	}

	private static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
		while (buffer.hasRemaining()) {
			if (channel.read(buffer) < 0) {
				throw new IOException("end of stream");
			}
		}
	}

}
