package dev.ipc.bench.harness;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Entry point of the child JVMs the harness forks:
 * {@code role SERVER|CLIENT SYSTEM ARGS...}. Servers print {@code READY <address>} and
 * exit when their stdin closes; clients run {@link ClientRole}'s command loop.
 */
public final class Roles {

	/**
	 * The real stdout: the control channel to the harness. System.out is redirected to
	 * stderr.
	 */
	private static final PrintStream CONTROL = System.out;

	private Roles() {
	}

	public static void main(String[] args) throws Exception {
		System.setOut(System.err);
		String kind = args[0];
		String system = args[1];
		if (kind.equals("server")) {
			Path dir = Path.of(args[2]);
			switch (system) {
				case "raw-uds" -> RawUds.serve(dir.resolve("raw.sock"));
				case "grpc-uds" -> GrpcBench.serve("uds", dir);
				case "grpc-tcp" -> GrpcBench.serve("tcp", dir);
				default -> IpcBench.serve(system, dir, args);
			}
		}
		else {
			String address = args[2];
			if (system.equals("ipc-scale-peers")) {
				ScaleRun.peerCommands(address);
				return;
			}
			BenchClient client = switch (system) {
				case "raw-uds" -> new RawUds.Client(address);
				case "grpc-uds", "grpc-tcp" -> new GrpcBench.Client(address);
				default -> IpcBench.client(system, address, args);
			};
			ClientRole.run(client, CONTROL);
			System.exit(0);
		}
	}

	static void ready(String address) {
		CONTROL.println("READY " + address);
		CONTROL.flush();
	}

	/** Tells a result line to the harness. */
	static void tell(String line) {
		CONTROL.println(line);
		CONTROL.flush();
	}

	interface Cleanup {

		void run() throws Exception;

	}

	/** Exits the JVM when the harness closes our stdin (or dies). */
	static void exitWhenStdinCloses(Cleanup cleanup) {
		Thread watcher = new Thread(() -> {
			try {
				InputStream in = System.in;
				while (in.read() >= 0) {
					// commands to servers are not used
				}
			}
			catch (Exception ex) {
				// treat as closed
			}
			try {
				cleanup.run();
			}
			catch (Exception ex) {
				ex.printStackTrace();
			}
			Runtime.getRuntime().halt(0);
		}, "stdin-watcher");
		watcher.setDaemon(true);
		watcher.start();
	}

}
