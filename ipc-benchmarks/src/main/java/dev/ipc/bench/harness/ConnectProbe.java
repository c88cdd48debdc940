package dev.ipc.bench.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

import dev.ipc.bench.Payloads;
import dev.ipc.client.IpcClient;
import dev.ipc.transport.socket.SocketTransport;

/**
 * Where a connect's time goes, host and peer in this JVM: {@code probe connect [count]}
 * times each phase of {@code count} connects (after as many for warm-up) and prints the
 * medians: the transport's connect up to {@code Welcome}, the client's build and start,
 * the first call (with the Noise handshake) and the close; then the harness's connects,
 * fresh and with a surviving session ({@link IpcBench.Peer#survivingConnects}).
 */
final class ConnectProbe {

	private ConnectProbe() {
	}

	static void main(String[] args) throws Exception {
		int count = (args.length > 0) ? Integer.parseInt(args[0]) : 200;
		Path dir = Files.createTempDirectory("ipc-probe-",
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		String system = "ipc-noise";
		SocketTransport hostTransport = IpcBench.hostTransport(dir, system);
		IpcClient host = IpcBench.builder("host", hostTransport, true).build();
		IpcBench.configureHost(host);
		host.start();
		String address = "unix:" + dir.resolve(system + ".sock");
		String[] phases = { "transport open + Welcome", "client build", "client start", "first call (handshake + RPC)",
				"close", "total" };
		for (int round = 0; round < 2; round++) {
			long[][] samples = new long[phases.length][count];
			for (int i = 0; i < count; i++) {
				long t0 = System.nanoTime();
				SocketTransport transport = IpcBench.peerTransport(address);
				long t1 = System.nanoTime();
				IpcClient client = IpcBench.builder("peer", transport, true).build();
				long t2 = System.nanoTime();
				IpcBench.Peer peer = new IpcBench.Peer(client, IpcBench.HOST, false, null, transport::close);
				long t3 = System.nanoTime();
				peer.call(Payloads.SIZES[0]);
				long t4 = System.nanoTime();
				peer.close();
				long t5 = System.nanoTime();
				samples[0][i] = t1 - t0;
				samples[1][i] = t2 - t1;
				samples[2][i] = t3 - t2;
				samples[3][i] = t4 - t3;
				samples[4][i] = t5 - t4;
				samples[5][i] = t4 - t0;
			}
			if (round == 1) {
				for (int p = 0; p < phases.length; p++) {
					long[] s = Stats.sorted(samples[p]);
					System.out.printf(Locale.ROOT, "%-30s p50 %8.3f ms  p90 %8.3f ms%n", phases[p],
							Stats.percentile(s, 0.5) / 1e6, Stats.percentile(s, 0.9) / 1e6);
				}
			}
		}
		IpcBench.Peer base = IpcBench.socketPeer(system, address);
		for (int round = 0; round < 2; round++) {
			long[] fresh = Stats.sorted(base.connects(count));
			long[] surviving = Stats.sorted(base.survivingConnects(count));
			if (round == 1) {
				System.out.printf(Locale.ROOT, "%-30s p50 %8.3f ms%n%-30s p50 %8.3f ms%n", "connect, fresh (harness)",
						Stats.percentile(fresh, 0.5) / 1e6, "connect, surviving session",
						Stats.percentile(surviving, 0.5) / 1e6);
			}
		}
		base.close();
		host.close();
		hostTransport.close();
		System.exit(0);
	}

}
