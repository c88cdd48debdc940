package dev.ipc.bench.harness;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One host JVM and one JVM holding N peers, each peer its own client with its own
 * Unix-socket connection and Noise session (N = 1, 10, 100): aggregate one-way pub/sub
 * and RPC throughput, and the heap each idle peer session costs on the host and each idle
 * client costs in its process.
 */
final class ScaleRun {

	static final int[] PEERS = { 1, 10, 100 };

	private final boolean quick;

	private final Path logDir;

	private final Path workDir;

	private final List<String> jvm;

	ScaleRun(boolean quick, Path logDir, Path workDir, List<String> jvm) {
		this.quick = quick;
		this.logDir = logDir;
		this.workDir = workDir.resolve("scale");
		this.jvm = jvm;
	}

	Map<String, String> run() throws Exception {
		java.nio.file.Files.createDirectories(workDir);
		java.nio.file.Files.setPosixFilePermissions(workDir,
				java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
		Map<String, String> out = new LinkedHashMap<>();
		long millis = quick ? 500 : 3000;
		Child host = Child.start("scale-host", logDir, jvm, "server", "ipc-scale-host", workDir.toString());
		Child peers = null;
		try {
			String address = host.await("READY", 60);
			peers = Child.start("scale-peers", logDir, jvm, "client", "ipc-scale-peers", address);
			peers.await("READY", 60);
			Harness.log("scale: warming up");
			peers.call("connect 10", 120);
			peers.call("pubsub 200 " + (quick ? 1000 : 8000), 300);
			peers.call("rpc 200 " + (quick ? 1000 : 8000), 300);
			peers.call("disconnect", 120);
			double host0 = Child.value(host.call("mem", 60), "heap");
			double peers0 = Child.value(peers.call("mem", 60), "heap");
			double hostThreads0 = Child.value(host.call("mem", 60), "threads");
			double peerThreads0 = Child.value(peers.call("mem", 60), "threads");
			out.put("| peers | pub/sub 200 B, aggregate msgs/s | RPC 200 B, aggregate calls/s (in flight) "
					+ "| host heap per idle peer session | heap per idle client (peer process) "
					+ "| threads per peer on host / per client |", "");
			out.put("|---:|---:|---:|---:|---:|---:|", "");
			for (int n : PEERS) {
				Harness.log("scale: " + n + " peer(s)");
				peers.call("connect " + n, 300);
				String hostMem = host.call("mem", 60);
				String peerMem = peers.call("mem", 60);
				double hostPer = (Child.value(hostMem, "heap") - host0) / n;
				double peerPer = (Child.value(peerMem, "heap") - peers0) / n;
				double hostThreads = (Child.value(hostMem, "threads") - hostThreads0) / n;
				double peerThreads = (Child.value(peerMem, "threads") - peerThreads0) / n;
				double msgs = Child.value(peers.call("pubsub 200 " + millis, 300), "msgs");
				int inflight = Math.max(1, 32 / n);
				double ops = Child.value(peers.call("rpc 200 " + millis, 300), "ops");
				peers.call("disconnect", 120);
				out.put(String.format(Locale.ROOT,
						"| %d | %.0f | %.0f (%d per peer) | %.1f KiB | %.1f KiB | %.1f / %.1f |", n, msgs, ops,
						inflight, hostPer / 1024, peerPer / 1024, hostThreads, peerThreads), "");
			}
			out.put("method", String.format(Locale.ROOT,
					"ours with Noise over one Unix socket; %d ms per measurement, one trial; every peer publishes with a "
							+ "bounded window of unacknowledged messages, RPC keeps max(1, 32/N) calls in flight per peer; "
							+ "heap = used heap after System.gc() with N idle peers connected and handshaken, minus before, / N",
					millis));
		}
		finally {
			if (peers != null) {
				peers.send("quit");
				peers.close();
			}
			host.close();
		}
		return out;
	}

	// ------------------------------------------------------------------ child roles

	static String memory() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
		return String.format(Locale.ROOT, "RESULT heap=%d threads=%d", heap, Thread.activeCount());
	}

	/** The host's command loop: {@code mem}; EOF ends it. */
	static void hostCommands(IpcBench.HostState state) throws Exception {
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = in.readLine()) != null) {
			switch (line.trim()) {
				case "mem" -> Roles.tell(memory());
				case "total" -> Roles.tell("RESULT total=" + state.total.get());
				case "quit" -> {
					return;
				}
				default -> Roles.tell("ERROR unknown command " + line);
			}
		}
	}

	/**
	 * The peers' command loop: connect N, pubsub SIZE MILLIS, rpc SIZE MILLIS,
	 * disconnect, mem, quit.
	 */
	static void peerCommands(String address) throws Exception {
		List<IpcBench.Peer> peers = new ArrayList<>();
		ExecutorService pool = Executors.newCachedThreadPool(r -> {
			Thread t = new Thread(r, "scale-driver");
			t.setDaemon(true);
			return t;
		});
		Roles.tell("READY");
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = in.readLine()) != null) {
			String[] a = line.trim().split("\\s+");
			try {
				switch (a[0]) {
					case "connect" -> {
						int n = Integer.parseInt(a[1]);
						// all peers together stay under the host's receive buffer
						for (int i = 0; i < n; i++) {
							IpcBench.Peer peer = IpcBench.socketPeer("ipc-noise", address);
							peer.windowDivisor = n;
							peer.call(200);
							peers.add(peer);
						}
						Roles.tell("RESULT n=" + peers.size());
					}
					case "pubsub" -> {
						int size = Integer.parseInt(a[1]);
						long nanos = Long.parseLong(a[2]) * 1_000_000L;
						double sum = all(pool, peers, p -> p.messagesPerSecond(size, nanos));
						Roles.tell(String.format(Locale.ROOT, "RESULT msgs=%.1f", sum));
					}
					case "rpc" -> {
						int size = Integer.parseInt(a[1]);
						long nanos = Long.parseLong(a[2]) * 1_000_000L;
						int inflight = Math.max(1, 32 / Math.max(1, peers.size()));
						double sum = all(pool, peers, p -> p.callsPerSecond(size, inflight, nanos));
						Roles.tell(String.format(Locale.ROOT, "RESULT ops=%.1f", sum));
					}
					case "disconnect" -> {
						for (IpcBench.Peer peer : peers) {
							peer.close();
						}
						peers.clear();
						Roles.tell("RESULT done");
					}
					case "mem" -> Roles.tell(memory());
					case "quit" -> {
						for (IpcBench.Peer peer : peers) {
							peer.close();
						}
						System.exit(0);
					}
					default -> Roles.tell("ERROR unknown command " + a[0]);
				}
			}
			catch (Exception | Error ex) {
				ex.printStackTrace();
				Roles.tell("ERROR " + ex);
			}
		}
		System.exit(0);
	}

	interface Measure {

		double on(IpcBench.Peer peer) throws Exception;

	}

	private static double all(ExecutorService pool, List<IpcBench.Peer> peers, Measure measure) throws Exception {
		List<Future<Double>> results = new ArrayList<>();
		for (IpcBench.Peer peer : peers) {
			Callable<Double> task = () -> measure.on(peer);
			results.add(pool.submit(task));
		}
		double sum = 0;
		for (Future<Double> result : results) {
			sum += result.get();
		}
		return sum;
	}

}
