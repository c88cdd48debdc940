package dev.ipc.bench.nats;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;

import dev.ipc.bench.Payloads;
import dev.ipc.bench.Payloads.EchoRequest;
import dev.ipc.bench.Payloads.ItemEvent;
import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.nats.NatsTransport;
import dev.ipc.nats.NatsTransportOptions;

/**
 * The NATS section (docs/benchmarks.md): through one real {@code nats-server} on
 * loopback, in one JVM with one NATS connection per side, the same 200-byte JSON payload:
 * our RPC (Noise) against jnats' own request/reply (p50/p99 of sequential calls), and our
 * one-way sends (Noise) against raw jnats publish (messages/s with the same window of 512
 * messages in flight, so neither side overruns the receiver). Interleaved trials; medians
 * printed as Markdown.
 *
 * <pre>java -jar ipc-benchmarks.jar nats [--trials N] [--calls N] [--messages N]</pre>
 *
 * Needs the {@code nats-server} binary (apt-get install -y nats-server); fails with that
 * message without it.
 */
public final class NatsBench {

	private static final int WINDOW = 512;

	private static final Endpoint SERVER = Endpoint.named("bench-server");

	private static final Endpoint CLIENT = Endpoint.named("bench-client");

	private NatsBench() {
	}

	public static void main(String[] args) throws Exception {
		int trials = 5;
		int calls = 20_000;
		int messages = 200_000;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--trials" -> trials = Integer.parseInt(args[++i]);
				case "--calls" -> calls = Integer.parseInt(args[++i]);
				case "--messages" -> messages = Integer.parseInt(args[++i]);
				default -> throw new IllegalArgumentException("unknown option " + args[i]);
			}
		}
		Path dir = Files.createTempDirectory("ipc-nats-bench-");
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		Process server = new ProcessBuilder(binary(), "-a", "127.0.0.1", "-p", String.valueOf(port))
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("nats.log").toFile())
			.start();
		try {
			awaitPort(port);
			run("nats://127.0.0.1:" + port, trials, calls, messages);
		}
		finally {
			server.destroy();
			server.waitFor(10, TimeUnit.SECONDS);
		}
	}

	private static void run(String url, int trials, int calls, int messages) throws Exception {
		byte[] json = Payloads.json(200);
		ItemEvent event = Payloads.event(200);
		try (Raw raw = new Raw(url); Ours ours = new Ours(url)) {
			raw.rpc(json, calls / 4); // warm-up
			ours.rpc(event, calls / 4);
			raw.oneWay(json, messages / 4);
			ours.oneWay(event, messages / 4);
			List<double[]> rawRpc = new ArrayList<>();
			List<double[]> oursRpc = new ArrayList<>();
			List<Double> rawRate = new ArrayList<>();
			List<Double> oursRate = new ArrayList<>();
			for (int t = 0; t < trials; t++) {
				if (t % 2 == 0) {
					rawRpc.add(raw.rpc(json, calls));
					oursRpc.add(ours.rpc(event, calls));
					rawRate.add(raw.oneWay(json, messages));
					oursRate.add(ours.oneWay(event, messages));
				}
				else {
					oursRpc.add(ours.rpc(event, calls));
					rawRpc.add(raw.rpc(json, calls));
					oursRate.add(ours.oneWay(event, messages));
					rawRate.add(raw.oneWay(json, messages));
				}
			}
			double rawP50 = median(rawRpc, 0);
			double oursP50 = median(oursRpc, 0);
			double rawOneWay = median(rawRate);
			double oursOneWay = median(oursRate);
			System.out.println("| | raw jnats | ours over NATS, Noise | ratio | target |");
			System.out.println("|---|---:|---:|---:|---|");
			System.out.printf(Locale.ROOT,
					"| RPC round trip p50 / p99 (µs) | %.0f / %.0f | %.0f / %.0f | %.2f× | ≤ 1.3× |%n", rawP50,
					median(rawRpc, 1), oursP50, median(oursRpc, 1), oursP50 / rawP50);
			System.out.printf(Locale.ROOT, "| one-way messages/s (window %d) | %.0fk | %.0fk | %.0f %% | ≥ 70 %% |%n",
					WINDOW, rawOneWay / 1000, oursOneWay / 1000, 100 * oursOneWay / rawOneWay);
			System.out.printf(Locale.ROOT, "%n%d trials (medians), %d sequential calls and %d messages per trial, "
					+ "200-byte JSON payload, %s%n", trials, calls, messages, Runtime.version());
		}
	}

	/** jnats' request/reply and publish, with the same payload bytes. */
	private static final class Raw implements AutoCloseable {

		private final Connection requester;

		private final Connection responder;

		private final AtomicLong received = new AtomicLong();

		Raw(String url) throws Exception {
			requester = Nats.connect(new Options.Builder().server(url).build());
			responder = Nats.connect(new Options.Builder().server(url).build());
			Dispatcher echo = responder.createDispatcher(m -> responder.publish(m.getReplyTo(), m.getData()));
			echo.subscribe("raw.echo");
			Dispatcher sink = responder.createDispatcher(m -> received.incrementAndGet());
			sink.subscribe("raw.sink");
			responder.flush(Duration.ofSeconds(5));
		}

		double[] rpc(byte[] json, int calls) throws Exception {
			long[] nanos = new long[calls];
			for (int i = 0; i < calls; i++) {
				long start = System.nanoTime();
				Message reply = requester.request("raw.echo", json, Duration.ofSeconds(10));
				if (reply == null || reply.getData().length != json.length) {
					throw new IllegalStateException("no echo");
				}
				nanos[i] = System.nanoTime() - start;
			}
			return percentiles(nanos);
		}

		double oneWay(byte[] json, int messages) {
			long base = received.get();
			long start = System.nanoTime();
			for (int i = 0; i < messages; i++) {
				while (i - (received.get() - base) >= WINDOW) {
					LockSupport.parkNanos(1_000);
				}
				requester.publish("raw.sink", json);
			}
			while (received.get() - base < messages) {
				LockSupport.parkNanos(1_000);
			}
			return messages / ((System.nanoTime() - start) / 1e9);
		}

		@Override
		public void close() throws InterruptedException {
			requester.close();
			responder.close();
		}

	}

	/** Our clients (Noise NN, direct dispatch) over two NatsTransports. */
	private static final class Ours implements AutoCloseable {

		private final NatsTransport clientTransport;

		private final NatsTransport serverTransport;

		private final IpcClient client;

		private final IpcClient server;

		private final AtomicLong received = new AtomicLong();

		Ours(String url) throws IOException {
			serverTransport = NatsTransport.open(options(url, SERVER));
			clientTransport = NatsTransport.open(options(url, CLIENT));
			server = IpcClient.builder()
				.backend(serverTransport)
				.directDispatch(true)
				.subscriberQueueCapacity(4 * WINDOW)
				.build();
			client = IpcClient.builder().backend(clientTransport).directDispatch(true).build();
			server.registerRpcHandler(EchoRequest.class, (request, context) -> request.event());
			server.subscribe(ItemEvent.class, message -> received.incrementAndGet());
			server.start();
			client.start();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (!clientTransport.reachableEndpoints().contains(SERVER) && System.nanoTime() < deadline) {
				LockSupport.parkNanos(1_000_000);
			}
		}

		private static NatsTransportOptions options(String url, Endpoint endpoint) {
			return NatsTransportOptions.builder()
				.endpoint(endpoint)
				.namespace("bench")
				.servers(url)
				.receiverCapacity(4 * WINDOW)
				.build();
		}

		double[] rpc(ItemEvent event, int calls) throws Exception {
			long[] nanos = new long[calls];
			EchoRequest request = new EchoRequest(event);
			for (int i = 0; i < calls; i++) {
				long start = System.nanoTime();
				ItemEvent echoed = client.request(request, SERVER).get(10, TimeUnit.SECONDS);
				if (echoed.id() != event.id()) {
					throw new IllegalStateException("wrong echo");
				}
				nanos[i] = System.nanoTime() - start;
			}
			return percentiles(nanos);
		}

		double oneWay(ItemEvent event, int messages) {
			long base = received.get();
			long start = System.nanoTime();
			for (int i = 0; i < messages; i++) {
				while (i - (received.get() - base) >= WINDOW) {
					LockSupport.parkNanos(1_000);
				}
				client.send(event, SERVER);
			}
			while (received.get() - base < messages) {
				LockSupport.parkNanos(1_000);
			}
			return messages / ((System.nanoTime() - start) / 1e9);
		}

		@Override
		public void close() {
			client.close();
			server.close();
			clientTransport.close();
			serverTransport.close();
		}

	}

	private static double[] percentiles(long[] nanos) {
		long[] sorted = nanos.clone();
		Arrays.sort(sorted);
		return new double[] { sorted[sorted.length / 2] / 1000.0, sorted[(int) (sorted.length * 0.99)] / 1000.0 };
	}

	private static double median(List<double[]> values, int index) {
		List<Double> picked = new ArrayList<>();
		for (double[] value : values) {
			picked.add(value[index]);
		}
		return median(picked);
	}

	private static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.sort(null);
		return sorted.get(sorted.size() / 2);
	}

	private static String binary() {
		for (String candidate : List.of("/usr/sbin/nats-server", "/usr/bin/nats-server",
				"/usr/local/bin/nats-server")) {
			if (Files.isExecutable(Path.of(candidate))) {
				return candidate;
			}
		}
		String path = System.getenv("PATH");
		if (path != null) {
			for (String entry : path.split(":")) {
				if (Files.isExecutable(Path.of(entry, "nats-server"))) {
					return Path.of(entry, "nats-server").toString();
				}
			}
		}
		throw new IllegalStateException("The NATS benchmark needs nats-server: apt-get install -y nats-server");
	}

	private static void awaitPort(int port) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (System.nanoTime() < deadline) {
			try (Socket socket = new Socket("127.0.0.1", port)) {
				return;
			}
			catch (IOException ex) {
				Thread.sleep(20);
			}
		}
		throw new IllegalStateException("nats-server did not start on port " + port);
	}

}
