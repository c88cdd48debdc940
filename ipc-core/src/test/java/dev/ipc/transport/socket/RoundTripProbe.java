package dev.ipc.transport.socket;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * A manual measuring tool, not a test: transport-level round trips between two JVMs, to
 * count (not time) what one costs. {@code RoundTripProbe host <socket>} echoes every
 * message back to its sender from an inline receiver (on the I/O loop);
 * {@code RoundTripProbe peer <socket> <n>} sends a 200-byte message to the host from its
 * main thread, parks until the echo arrives (its inline receiver unparks it), {@code n}
 * times, and prints the voluntary context switches (wake-ups) of each of its threads per
 * round trip, from {@code /proc/self/task/<tid>/status}. Run the peer under
 * {@code strace -f -c} to count its syscalls. Fails with the first exception it meets.
 */
final class RoundTripProbe {

	private RoundTripProbe() {
	}

	public static void main(String[] args) throws Exception {
		Path socket = Path.of(args[1]);
		if (args[0].equals("host")) {
			SocketTransport host = SocketTransport.open(SocketTransportOptions.builder()
				.endpoint(Endpoint.named("rt-host"))
				.unixSocket(socket)
				.role(Role.HOST)
				.build());
			BackendReceiver receiver = host.subscribe();
			receiver.deliverTo(new MessageSink(
					m -> host.send(new OutgoingMessage(m.payload(), m.source().toEndpoint(), m.topic()))));
			System.out.println("READY");
			Thread.sleep(Long.MAX_VALUE);
			return;
		}
		int n = Integer.parseInt(args[2]);
		SocketTransport peer = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named("rt-peer"))
			.unixSocket(socket)
			.role(Role.PEER)
			.build());
		if (!peer.awaitConnected(Duration.ofSeconds(10))) {
			throw new IllegalStateException("not connected");
		}
		Thread caller = Thread.currentThread();
		AtomicReference<Object> answer = new AtomicReference<>();
		BackendReceiver receiver = peer.subscribe();
		receiver.deliverTo(new MessageSink(m -> {
			answer.set(m);
			LockSupport.unpark(caller);
		}));
		byte[] payload = new byte[200];
		Endpoint host = Endpoint.named("rt-host");
		for (int i = 0; i < 20_000; i++) {
			roundTrip(peer, host, payload, answer);
		}
		String before = switches();
		System.out.println("START " + ProcessHandle.current().pid());
		System.out.flush();
		Thread.sleep(2000); // time to attach strace
		long start = System.nanoTime();
		for (int i = 0; i < n; i++) {
			roundTrip(peer, host, payload, answer);
		}
		long micros = (System.nanoTime() - start) / 1000;
		System.out.println("DONE " + n + " round trips, " + (micros / (double) n) + " us each (untimed use only)");
		System.out.println("wake-ups per round trip, by thread (before: " + before + ")");
		System.out.println(switchesDelta(before, n));
		peer.close();
	}

	private static void roundTrip(SocketTransport peer, Endpoint host, byte[] payload, AtomicReference<Object> answer) {
		answer.set(null);
		peer.send(new OutgoingMessage(payload, host, "t"));
		while (answer.get() == null) {
			LockSupport.park();
		}
	}

	/** {@code name=count;...} of every thread's voluntary context switches. */
	private static String switches() throws Exception {
		StringBuilder sb = new StringBuilder();
		try (var tasks = Files.list(Path.of("/proc/self/task"))) {
			for (Path task : (Iterable<Path>) tasks::iterator) {
				String name = null;
				String count = null;
				for (String line : Files.readAllLines(task.resolve("status"))) {
					if (line.startsWith("Name:")) {
						name = line.substring(5).trim().replace(' ', '_');
					}
					else if (line.startsWith("voluntary_ctxt_switches:")) {
						count = line.substring(24).trim();
					}
				}
				sb.append(task.getFileName()).append(':').append(name).append('=').append(count).append(';');
			}
		}
		return sb.toString();
	}

	private static String switchesDelta(String before, int n) throws Exception {
		java.util.Map<String, Long> b = new java.util.HashMap<>();
		for (String e : before.split(";")) {
			if (!e.isEmpty()) {
				b.put(e.substring(0, e.indexOf('=')), Long.parseLong(e.substring(e.indexOf('=') + 1)));
			}
		}
		StringBuilder out = new StringBuilder();
		double total = 0;
		for (String e : switches().split(";")) {
			if (e.isEmpty()) {
				continue;
			}
			String key = e.substring(0, e.indexOf('='));
			long delta = Long.parseLong(e.substring(e.indexOf('=') + 1)) - b.getOrDefault(key, 0L);
			if (delta > n / 100) {
				out.append("  ")
					.append(key)
					.append(": ")
					.append(String.format("%.2f", delta / (double) n))
					.append('\n');
				total += delta / (double) n;
			}
		}
		out.append("  total: ").append(String.format("%.2f", total));
		return out.toString();
	}

}
