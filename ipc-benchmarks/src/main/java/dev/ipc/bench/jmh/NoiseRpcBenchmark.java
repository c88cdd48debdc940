package dev.ipc.bench.jmh;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.ipc.bench.Payloads;
import dev.ipc.bench.Payloads.EchoRequest;
import dev.ipc.bench.Payloads.ItemEvent;
import dev.ipc.client.IpcClient;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.NoiseSession;
import dev.ipc.model.Endpoint;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * Two clients in one JVM on the {@link InMemoryBus} with the Noise provider (P-256,
 * AES-GCM): the RPC round trip, one request in flight. Run with {@code -prof gc} for the
 * allocation per call ({@code gc.alloc.rate.norm}); each measurement iteration also
 * prints the process CPU time per call (all threads, from the JVM's CPU-time counter, so
 * it does not depend on wall time or machine load).
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class NoiseRpcBenchmark {

	@Param({ "false", "true" })
	boolean direct;

	@Param({ "200" })
	int size;

	private CommunicationBackend serverBackend;

	private CommunicationBackend callerBackend;

	private IpcClient server;

	private IpcClient caller;

	private final Endpoint serverEndpoint = Endpoint.named("server");

	private final AtomicLong calls = new AtomicLong();

	private long cpuAtStart;

	private long callsAtStart;

	private EchoRequest request;

	@Setup(Level.Trial)
	public void setUp() throws Exception {
		InMemoryBus bus = new InMemoryBus(4096);
		serverBackend = bus.connect(serverEndpoint);
		callerBackend = bus.connect(Endpoint.named("caller"));
		server = client("server", serverBackend);
		caller = client("caller", callerBackend);
		server.registerRpcHandler(EchoRequest.class, (req, ctx) -> req.event());
		server.start();
		caller.start();
		request = new EchoRequest(Payloads.event(size));
		caller.request(request, serverEndpoint).get(10, TimeUnit.SECONDS); // the
																			// handshake
	}

	private IpcClient client(String name, CommunicationBackend backend) {
		return IpcClient.builder()
			.name(name)
			.backend(backend)
			.crypto(new NoiseCryptoProvider(), new InMemorySessionRepository<NoiseSession>())
			.directDispatch(direct)
			.defaultRpcTimeout(Duration.ofSeconds(10))
			.build();
	}

	@Setup(Level.Iteration)
	public void startCounting() {
		cpuAtStart = processCpuNanos();
		callsAtStart = calls.get();
	}

	@TearDown(Level.Iteration)
	public void printCpuPerCall() {
		long n = calls.get() - callsAtStart;
		if (n > 0) {
			System.out.printf("%n[cpu] %.1f us process CPU per call over %d calls%n",
					(processCpuNanos() - cpuAtStart) / 1000.0 / n, n);
		}
	}

	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		caller.close();
		server.close();
		callerBackend.close();
		serverBackend.close();
	}

	@Benchmark
	@BenchmarkMode(Mode.AverageTime)
	@OutputTimeUnit(TimeUnit.MICROSECONDS)
	public ItemEvent rpcRoundTrip() throws Exception {
		ItemEvent reply = caller.request(request, serverEndpoint).get(10, TimeUnit.SECONDS);
		calls.incrementAndGet();
		return reply;
	}

}
