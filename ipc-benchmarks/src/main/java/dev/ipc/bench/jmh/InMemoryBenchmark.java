package dev.ipc.bench.jmh;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.model.Endpoint;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * Two clients in one JVM on the {@link InMemoryBus}, no encryption: the RPC round trip
 * (one request in flight, sampled so percentiles are reported) and one-way pub/sub
 * throughput, with the default handler pool and with direct dispatch.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class InMemoryBenchmark {

	static final int BATCH = 500;

	@Param({ "true", "false" })
	boolean direct;

	@Param({ "200" })
	int size;

	private InMemoryBus bus;

	private CommunicationBackend serverBackend;

	private CommunicationBackend callerBackend;

	private IpcClient server;

	private IpcClient caller;

	private final Endpoint serverEndpoint = Endpoint.named("server");

	private final AtomicLong received = new AtomicLong();

	private ItemEvent event;

	private EchoRequest request;

	@Setup(Level.Trial)
	public void setUp() {
		bus = new InMemoryBus(4096);
		serverBackend = bus.connect(serverEndpoint);
		callerBackend = bus.connect(Endpoint.named("caller"));
		server = client("server", serverBackend);
		caller = client("caller", callerBackend);
		server.registerRpcHandler(EchoRequest.class, (req, ctx) -> req.event());
		server.subscribe(ItemEvent.class, message -> received.incrementAndGet());
		server.start();
		caller.start();
		event = Payloads.event(size);
		request = new EchoRequest(event);
	}

	private IpcClient client(String name, CommunicationBackend backend) {
		return IpcClient.builder()
			.name(name)
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.directDispatch(direct)
			.subscriberQueueCapacity(4096)
			.defaultRpcTimeout(Duration.ofSeconds(10))
			.build();
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		caller.close();
		server.close();
		callerBackend.close();
		serverBackend.close();
	}

	@Benchmark
	@BenchmarkMode(Mode.SampleTime)
	@OutputTimeUnit(TimeUnit.MICROSECONDS)
	public ItemEvent rpcRoundTrip() throws Exception {
		return caller.request(request, serverEndpoint).get(10, TimeUnit.SECONDS);
	}

	@Benchmark
	@BenchmarkMode(Mode.Throughput)
	@OutputTimeUnit(TimeUnit.SECONDS)
	@OperationsPerInvocation(BATCH)
	public long pubSubOneWay() {
		long target = received.get() + BATCH;
		for (int i = 0; i < BATCH; i++) {
			caller.send(event, serverEndpoint);
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		long now;
		while ((now = received.get()) < target) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("pub/sub stalled at " + now + " of " + target);
			}
			Thread.onSpinWait();
		}
		return now;
	}

}
