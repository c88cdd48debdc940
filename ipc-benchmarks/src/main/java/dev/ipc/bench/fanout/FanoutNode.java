package dev.ipc.bench.fanout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.ipc.bench.Payloads;
import dev.ipc.bench.Payloads.Ack;
import dev.ipc.bench.Payloads.ItemEvent;
import dev.ipc.client.IpcClient;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Topics;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * One process of {@link FanoutBench}, Noise encrypted over the socket transport. Roles
 * ({@code args[0]}): {@code host} (routes only), {@code sub NAME} (counts every
 * {@link ItemEvent}, publication or addressed, and acknowledges every {@link #ACK_EVERY}
 * th to the publisher), {@code pub} (publishes, or sends to each subscriber in turn,
 * keeping at most {@link #WINDOW} events unacknowledged by the slowest subscriber, so no
 * queue overflows and nothing is dropped). Commands on stdin, one answer line each:
 * {@code cpu} (process CPU ns, then those of the JIT compiler threads), {@code count},
 * {@code subs}, {@code run publish|send MILLIS} (answers {@code sent=N waits=W}, W the
 * times the window was full).
 */
final class FanoutNode {

	static final Endpoint PUBLISHER = Endpoint.named("fan-pub");

	static final int ACK_EVERY = 256;

	static final int WINDOW = 2048;

	static final int QUEUE = 40_000;

	/** Notified on every acknowledgement. */
	private static final Object PROGRESS = new Object();

	private static final com.sun.management.OperatingSystemMXBean OS = (com.sun.management.OperatingSystemMXBean) ManagementFactory
		.getOperatingSystemMXBean();

	private FanoutNode() {
	}

	public static void main(String[] args) throws Exception {
		String role = args[0];
		Path socket = Path.of(args[1]);
		String name = switch (role) {
			case "host" -> "fan-host";
			case "pub" -> "fan-pub";
			default -> args[2];
		};
		SocketTransportOptions options = SocketTransportOptions.builder()
			.endpoint(Endpoint.named(name))
			.unixSocket(socket)
			.role(role.equals("host") ? Role.HOST : Role.PEER)
			// room for WINDOW events to each of 16 subscribers on the publisher's link
			.outboundQueueCapacity(QUEUE)
			.outboundQueueMaxBytes(64L * 1024 * 1024)
			.receiverCapacity(QUEUE)
			.build();
		AtomicLong count = new AtomicLong();
		Map<Endpoint, AtomicLong> acked = new ConcurrentHashMap<>();
		try (SocketTransport transport = SocketTransport.open(options);
				IpcClient client = IpcClient.builder()
					.backend(transport)
					.name(name)
					.directDispatch(true)
					.crypto(new NoiseCryptoProvider(), new InMemorySessionRepository<>())
					.build()) {
			if (role.equals("sub")) {
				client.subscribe(ItemEvent.class, message -> {
					long n = count.incrementAndGet();
					if (n % ACK_EVERY == 0) {
						client.send(new Ack(n), PUBLISHER);
					}
				});
			}
			if (role.equals("pub")) {
				client.subscribe(Ack.class, message -> {
					acked.computeIfAbsent(message.source().toEndpoint(), k -> new AtomicLong())
						.accumulateAndGet(message.payload().received(), Math::max);
					synchronized (PROGRESS) {
						PROGRESS.notifyAll(); // one in ACK_EVERY events: cheap
					}
				});
			}
			client.start();
			if (!transport.awaitConnected(Duration.ofSeconds(60))) {
				System.exit(2);
			}
			System.out.println("READY");
			System.out.flush();
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			ItemEvent event = Payloads.event(200);
			String line;
			while ((line = in.readLine()) != null) {
				String[] w = line.trim().split(" ");
				String answer = switch (w[0]) {
					case "cpu" -> Long.toString(OS.getProcessCpuTime()) + " " + compilerCpuNanos();
					case "count" -> Long.toString(count.get());
					case "subs" -> Integer.toString(transport.subscribersOf(Topics.topicOf(ItemEvent.class)).size());
					case "run" -> run(client, transport, acked, event, w[1].equals("publish"), Long.parseLong(w[2]));
					default -> "unknown";
				};
				System.out.println(answer);
				System.out.flush();
			}
		}
	}

	/**
	 * Sends for {@code millis}; answers {@code sent=N waits=W}: events sent (each to
	 * every subscriber) and how often the publisher found its window full and waited.
	 */
	private static String run(IpcClient client, SocketTransport transport, Map<Endpoint, AtomicLong> acked,
			ItemEvent event, boolean publish, long millis) {
		List<Endpoint> subscribers = new ArrayList<>(transport.subscribersOf(Topics.topicOf(ItemEvent.class)));
		for (Endpoint s : subscribers) {
			acked.computeIfAbsent(s, k -> new AtomicLong());
		}
		// every subscriber has seen all earlier events (the launcher waits for it between
		// runs); the acknowledgements may lag up to ACK_EVERY behind, which only makes
		// the window smaller
		long sent = 0;
		long waits = 0;
		long end = System.nanoTime() + millis * 1_000_000L;
		long already = slowest(acked, subscribers);
		while (System.nanoTime() < end) {
			if (already + sent - slowest(acked, subscribers) < WINDOW) {
				if (publish) {
					client.publish(event);
				}
				else {
					for (Endpoint s : subscribers) {
						client.send(event, s);
					}
				}
				sent++;
			}
			else {
				// wait for the next acknowledgement instead of polling: on 2 CPUs shared
				// by
				// up to 18 processes, polling would take CPU from the subscribers
				waits++;
				synchronized (PROGRESS) {
					if (already + sent - slowest(acked, subscribers) >= WINDOW) {
						try {
							PROGRESS.wait(1);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
							break;
						}
					}
				}
			}
		}
		return "sent=" + sent + " waits=" + waits;
	}

	/**
	 * CPU time of this JVM's JIT compiler threads (Linux {@code /proc}; 0 elsewhere), so
	 * the launcher can tell compiling from working.
	 */
	private static long compilerCpuNanos() {
		long ticks = 0;
		try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
			for (Path task : tasks) {
				try {
					if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
						String stat = Files.readString(task.resolve("stat"));
						String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
						ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime,
																				// stime
					}
				}
				catch (IOException | RuntimeException ex) {
					// the thread ended meanwhile
				}
			}
		}
		catch (IOException ex) {
			return 0;
		}
		return ticks * 10_000_000L; // USER_HZ 100
	}

	private static long slowest(Map<Endpoint, AtomicLong> acked, List<Endpoint> subscribers) {
		long min = Long.MAX_VALUE;
		for (Endpoint s : subscribers) {
			min = Math.min(min, acked.get(s).get());
		}
		return (min == Long.MAX_VALUE) ? 0 : min;
	}

}
