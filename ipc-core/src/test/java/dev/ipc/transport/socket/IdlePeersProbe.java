package dev.ipc.transport.socket;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.ipc.model.Endpoint;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * A manual measuring tool, not a test: what idle connected peers cost a host, counted
 * rather than timed. Run two JVMs on the test class path:
 * {@code IdlePeersProbe host <socket>} opens a host and answers {@code stats} on stdin
 * with its live threads, the transport's threads, the heap in use after a full GC, its
 * open descriptors and connected peers; {@code IdlePeersProbe peers <socket> <n>}
 * connects {@code n} raw protocol peers (one thread, one selector, every frame read and
 * discarded) and stays connected until stdin closes. Compare {@code stats} before and
 * after. Fails with the first exception it meets.
 */
final class IdlePeersProbe {

	private IdlePeersProbe() {
	}

	public static void main(String[] args) throws Exception {
		if (args[0].equals("host")) {
			host(Path.of(args[1]));
		}
		else {
			peers(Path.of(args[1]), Integer.parseInt(args[2]));
		}
	}

	private static void host(Path socket) throws Exception {
		SocketTransportOptions options = SocketTransportOptions.builder()
			.endpoint(Endpoint.named("probe-host"))
			.unixSocket(socket)
			.role(Role.HOST)
			.maxConnections(5000)
			.maxConnectionsPerUser(5000)
			.maxPendingConnections(5000)
			.maxPendingPerUser(5000)
			.build();
		try (SocketTransport transport = SocketTransport.open(options)) {
			transport.subscribe();
			System.out.println("READY");
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null) {
				if (line.equals("stats")) {
					for (int i = 0; i < 3; i++) {
						System.gc();
					}
					long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
					long transportThreads = Thread.getAllStackTraces()
						.keySet()
						.stream()
						.filter(t -> t.isAlive() && t.getName().startsWith("ipc-socket-"))
						.count();
					long fds;
					try (var list = Files.list(Path.of("/proc/self/fd"))) {
						fds = list.count();
					}
					System.out.println("STATS threads=" + Thread.activeCount() + " transportThreads=" + transportThreads
							+ " heap=" + heap + " fds=" + fds + " peers=" + transport.stats().connectedPeers());
				}
			}
		}
	}

	private static void peers(Path socket, int n) throws Exception {
		Selector selector = Selector.open();
		List<SocketChannel> channels = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
			channel.connect(UnixDomainSocketAddress.of(socket));
			ByteBuffer hello = ByteBuffer
				.wrap(FrameCodec.encode(new Frame.Hello(FrameCodec.SUPPORTED_VERSIONS, Endpoint.named("probe-" + i))));
			while (hello.hasRemaining()) {
				channel.write(hello);
			}
			channel.configureBlocking(false);
			channel.register(selector, SelectionKey.OP_READ);
			channels.add(channel);
			drain(selector, 0);
		}
		System.out.println("CONNECTED " + n);
		Thread stdin = new Thread(() -> {
			try {
				while (System.in.read() >= 0) {
					// wait for the end of stdin
				}
			}
			catch (java.io.IOException ex) {
				// end
			}
			System.exit(0);
		});
		stdin.setDaemon(true);
		stdin.start();
		while (true) {
			drain(selector, 1000);
		}
	}

	private static final ByteBuffer SINK = ByteBuffer.allocateDirect(64 * 1024);

	private static void drain(Selector selector, long timeout) throws Exception {
		if (timeout == 0) {
			selector.selectNow();
		}
		else {
			selector.select(timeout);
		}
		for (SelectionKey key : selector.selectedKeys()) {
			SocketChannel channel = (SocketChannel) key.channel();
			SINK.clear();
			while (channel.read(SINK) > 0) {
				SINK.clear();
			}
		}
		selector.selectedKeys().clear();
	}

}
