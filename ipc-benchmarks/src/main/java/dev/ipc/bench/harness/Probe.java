package dev.ipc.bench.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

import dev.ipc.client.IpcClient;
import dev.ipc.transport.socket.SocketTransport;

/**
 * A one-JVM smoke probe of our client over the Unix socket (host and peer in this JVM):
 * {@code probe [noise] [seconds]}; {@code probe connect [count]} is {@link ConnectProbe}.
 */
public final class Probe {

	private Probe() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("connect")) {
			ConnectProbe.main(java.util.Arrays.copyOfRange(args, 1, args.length));
			return;
		}
		boolean noise = args.length > 0 && args[0].equals("noise");
		long seconds = args.length > 1 ? Long.parseLong(args[1]) : 3;
		Path dir = Files.createTempDirectory("ipc-probe-",
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		String system = noise ? "ipc-noise" : "ipc-plain";
		SocketTransport hostTransport = IpcBench.hostTransport(dir, system);
		IpcClient host = IpcBench.builder("host", hostTransport, noise).build();
		IpcBench.configureHost(host);
		host.start();
		IpcBench.Peer peer = IpcBench.socketPeer(system, "unix:" + dir.resolve(system + ".sock"));
		for (int round = 0; round < 3; round++) {
			long[] s = Stats.sorted(peer.roundTrips(200, seconds * 1_000_000_000L));
			System.out.printf(Locale.ROOT, "rtt 200 B: n=%d p50=%.1f us p99=%.1f us%n", s.length,
					Stats.percentile(s, 0.5) / 1e3, Stats.percentile(s, 0.99) / 1e3);
			System.out.printf(Locale.ROOT, "tput 200 B x32: %.0f/s%n",
					peer.callsPerSecond(200, 32, seconds * 1_000_000_000L));
			System.out.printf(Locale.ROOT, "oneway 200 B: %.0f/s%n",
					peer.messagesPerSecond(200, seconds * 1_000_000_000L));
		}
		peer.close();
		host.close();
		hostTransport.close();
		System.exit(0);
	}

}
