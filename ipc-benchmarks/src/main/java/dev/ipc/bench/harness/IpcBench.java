package dev.ipc.bench.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.ipc.bench.Payloads;
import dev.ipc.bench.Payloads.Ack;
import dev.ipc.bench.Payloads.CountRequest;
import dev.ipc.bench.Payloads.EchoRequest;
import dev.ipc.bench.Payloads.ItemEvent;
import dev.ipc.bench.jmh.HandshakeBenchmark;
import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientBuilder;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.crypto.noise.NoiseSession;
import dev.ipc.crypto.noise.NoiseSessionCodec;
import dev.ipc.crypto.noise.NoiseSuite;
import dev.ipc.model.Endpoint;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.SessionRepository;
import dev.ipc.transport.memory.InMemoryBus;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;

/**
 * Our client. The host registers an echo RPC handler, a count RPC handler and a typed
 * subscription to {@link ItemEvent}s that acknowledges every {@code ackEvery}-th event
 * back to its sender, so a publisher can keep a bounded window of unacknowledged messages
 * (no queue ever overflows, nothing is dropped). Handlers are non-blocking, so both sides
 * use {@linkplain IpcClientBuilder#directDispatch(boolean) direct dispatch}.
 */
final class IpcBench {

	static final Endpoint HOST = Endpoint.named("bench-host");

	/**
	 * The second peer of the peer→host→peer system, in the server's JVM on its own
	 * connection to the host: it serves what the host serves elsewhere.
	 */
	static final Endpoint RESPONDER = Endpoint.named("bench-responder");

	/** The spin of the {@code -spin} systems ({@link IpcClientBuilder#rpcSpin}). */
	static final Duration SPIN = Duration.ofNanos(100_000);

	private IpcBench() {
	}

	// ------------------------------------------------------------------ host side

	/** Per-sender event counters of a host. */
	static final class HostState {

		final ConcurrentHashMap<Endpoint, AtomicLong> received = new ConcurrentHashMap<>();

		final AtomicLong total = new AtomicLong();

		final ConcurrentHashMap<Endpoint, Integer> ackEvery = new ConcurrentHashMap<>();

	}

	/** Registers the benchmark's handlers on a host client (before it starts). */
	static HostState configureHost(IpcClient host) {
		HostState state = new HostState();
		host.registerRpcHandler(EchoRequest.class, (request, context) -> request.event());
		host.registerRpcHandler(CountRequest.class, (request, context) -> {
			Endpoint from = context.source().toEndpoint();
			if (request.ackEvery() > 0) {
				state.ackEvery.put(from, request.ackEvery());
			}
			return new Ack(state.received.computeIfAbsent(from, k -> new AtomicLong()).get());
		});
		host.subscribe(ItemEvent.class, message -> {
			Endpoint from = message.source().toEndpoint();
			long n = state.received.computeIfAbsent(from, k -> new AtomicLong()).incrementAndGet();
			state.total.incrementAndGet();
			if (n % state.ackEvery.getOrDefault(from, 64) == 0) {
				host.send(new Ack(n), from);
			}
		});
		return state;
	}

	/** Unacknowledged one-way messages a publisher may have outstanding. */
	static int window(int size) {
		return Math.max(8, Math.min(512, (4 << 20) / Math.max(size, 1)));
	}

	/**
	 * The payload codec of every client of this JVM, as an application shares its one
	 * codec (a Spring Boot application has one {@code PayloadCodec} bean): a new client
	 * does not warm a new JSON mapper up.
	 */
	private static final PayloadCodec CODEC = PayloadCodec.defaults();

	static IpcClientBuilder builder(String name, CommunicationBackend backend, boolean noise) {
		return builder(name, backend, noise, new InMemorySessionRepository<>());
	}

	/** With Noise, {@code sessions} holds the client's sessions. */
	static IpcClientBuilder builder(String name, CommunicationBackend backend, boolean noise,
			SessionRepository<NoiseSession> sessions) {
		IpcClientBuilder builder = IpcClient.builder()
			.name(name)
			.backend(backend)
			.codec(CODEC)
			.directDispatch(true)
			.subscriberQueueCapacity(4096)
			.defaultRpcTimeout(Duration.ofSeconds(30));
		if (noise) {
			NoiseSupport.configure(builder, sessions);
		}
		else {
			builder.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>());
		}
		return builder;
	}

	// ------------------------------------------------------------------ roles

	static boolean noise(String system) {
		return system.contains("noise") || system.startsWith("ipc-scale");
	}

	/** A host transport bound to {@code dir/NAME.sock}. */
	static SocketTransport hostTransport(Path dir, String name) throws IOException {
		Path socket = dir.resolve(name + ".sock");
		return SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(HOST)
			.unixSocket(socket)
			.role(SocketTransportOptions.Role.HOST)
			.maxConnections(512)
			// the scale runs connect hundreds of peers at once: let all of them handshake
			// together
			.maxPendingConnections(512)
			.build());
	}

	private static final AtomicLong PEER_IDS = new AtomicLong();

	/** A peer transport connected to the host at {@code address} ({@code unix:PATH}). */
	static SocketTransport peerTransport(String address) throws Exception {
		return peerTransport(address, newPeerName());
	}

	private static Endpoint newPeerName() {
		return Endpoint.named("peer-" + ProcessHandle.current().pid() + "-" + PEER_IDS.incrementAndGet());
	}

	static SocketTransport peerTransport(String address, Endpoint name) throws Exception {
		SocketTransport transport = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(name)
			.unixSocket(Path.of(address.substring("unix:".length())))
			.role(SocketTransportOptions.Role.PEER)
			.build());
		if (!transport.awaitConnected(Duration.ofSeconds(10))) {
			transport.close();
			throw new IllegalStateException("peer " + name + " could not connect to " + address);
		}
		return transport;
	}

	static void serve(String system, Path dir, String[] args) throws Exception {
		SocketTransport transport = hostTransport(dir, system);
		IpcClient host = builder("host", transport, noise(system)).build();
		HostState state = configureHost(host);
		host.start();
		Runnable responderClose = () -> {
		};
		if (system.contains("p2p")) {
			SocketTransport responderTransport = peerTransport("unix:" + dir.resolve(system + ".sock"), RESPONDER);
			IpcClient responder = builder("responder", responderTransport, noise(system)).build();
			configureHost(responder);
			responder.start();
			responderClose = () -> {
				responder.close();
				responderTransport.close();
			};
		}
		Runnable closeResponder = responderClose;
		Roles.ready("unix:" + dir.resolve(system + ".sock"));
		if (system.equals("ipc-scale-host")) {
			ScaleRun.hostCommands(state);
		}
		else {
			Roles.exitWhenStdinCloses(() -> {
				closeResponder.run();
				host.close();
				transport.close();
			});
			Thread.currentThread().join();
		}
		host.close();
		transport.close();
		System.exit(0);
	}

	static BenchClient client(String system, String address, String[] args) throws Exception {
		if (system.equals("ipc-inmem")) {
			InMemoryBus bus = new InMemoryBus(8192);
			CommunicationBackend hostBackend = bus.connect(HOST);
			IpcClient host = builder("host", hostBackend, false).build();
			configureHost(host);
			host.start();
			CommunicationBackend peerBackend = bus.connect(Endpoint.named("peer"));
			IpcClient peer = builder("peer", peerBackend, false).build();
			return new Peer(peer, HOST, false, null, () -> {
				host.close();
				hostBackend.close();
				peerBackend.close();
			});
		}
		return socketPeer(system, address);
	}

	/**
	 * A started peer client over a fresh socket connection; closing it closes the
	 * connection.
	 */
	static Peer socketPeer(String system, String address) throws Exception {
		return socketPeer(system, address, newPeerName(), new InMemorySessionRepository<>());
	}

	/**
	 * The same as endpoint {@code name} with the Noise sessions in {@code sessions}: a
	 * repository that outlives the client (a durable store after a restart, or one shared
	 * across reconnects) gives the next client of the same name the surviving session.
	 */
	static Peer socketPeer(String system, String address, Endpoint name,
			InMemorySessionRepository<NoiseSession> sessions) throws Exception {
		SocketTransport transport = peerTransport(address, name);
		IpcClientBuilder builder = builder("peer", transport, noise(system), sessions);
		if (system.endsWith("-spin")) {
			builder.rpcSpin(SPIN);
		}
		IpcClient client = builder.build();
		boolean sync = system.contains("-call") || system.contains("p2p");
		Endpoint target = system.contains("p2p") ? RESPONDER : HOST;
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		// the host is reachable once welcomed (awaitConnected); a second peer once the
		// host has told of it
		while (!transport.reachableEndpoints().contains(target)) {
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException(target + " is not connected to the host");
			}
			Thread.sleep(1);
		}
		Peer peer = new Peer(client, target, sync, stored -> {
			try {
				return (stored != null) ? socketPeer(system, address, name, restored(stored, target))
						: socketPeer(system, address);
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}, transport::close);
		peer.sessions = sessions;
		return peer;
	}

	private static final NoiseSessionCodec SESSION_CODEC = new NoiseSessionCodec();

	/**
	 * A repository holding {@code stored} for {@code peer}, as a durable store does after
	 * a restart.
	 */
	private static InMemorySessionRepository<NoiseSession> restored(byte[] stored, Endpoint peer) {
		InMemorySessionRepository<NoiseSession> sessions = new InMemorySessionRepository<>();
		sessions.save(peer, SESSION_CODEC.decode(stored));
		return sessions;
	}

	// ------------------------------------------------------------------ peer side

	/** A connected peer client measuring against the host. */
	static final class Peer implements BenchClient {

		private static final ItemEvent[] EVENTS = new ItemEvent[Payloads.SIZES.length];

		private static final EchoRequest[] REQUESTS = new EchoRequest[Payloads.SIZES.length];

		static {
			for (int i = 0; i < Payloads.SIZES.length; i++) {
				EVENTS[i] = Payloads.event(Payloads.SIZES[i]);
				REQUESTS[i] = new EchoRequest(EVENTS[i]);
			}
		}

		final IpcClient client;

		private final Endpoint host;

		/**
		 * Round trips with the synchronous {@link IpcClient#call}, else the future API.
		 */
		private final boolean sync;

		/**
		 * A new peer on a new connection: with the name of this one and the given stored
		 * session with the host, or (null) with a new name and no session.
		 */
		private final @Nullable Function<byte @Nullable [], Peer> fresh;

		/** The Noise sessions of a socket peer. */
		@Nullable InMemorySessionRepository<NoiseSession> sessions;

		private final Runnable onClose;

		private final AtomicLong acked = new AtomicLong();

		private final EchoRequest[] requests = new EchoRequest[Payloads.SIZES.length];

		private final ItemEvent[] events = new ItemEvent[Payloads.SIZES.length];

		private long sentTotal;

		/**
		 * Unacknowledged one-way messages allowed, as a fraction of
		 * {@link IpcBench#window(int)} (several peers).
		 */
		volatile int windowDivisor = 1;

		Peer(IpcClient client, Endpoint host, boolean sync, @Nullable Function<byte @Nullable [], Peer> fresh,
				Runnable onClose) {
			this.client = client;
			this.host = host;
			this.sync = sync;
			this.fresh = fresh;
			this.onClose = onClose;
			System.arraycopy(EVENTS, 0, events, 0, EVENTS.length); // made once per JVM: a
																	// connect does not
																	// pay for them
			System.arraycopy(REQUESTS, 0, requests, 0, REQUESTS.length);
			client.subscribe(Ack.class, message -> acked.accumulateAndGet(message.payload().received(), Math::max));
			if (!client.isRunning()) {
				client.start();
			}
		}

		private int index(int size) {
			for (int i = 0; i < Payloads.SIZES.length; i++) {
				if (Payloads.SIZES[i] == size) {
					return i;
				}
			}
			throw new IllegalArgumentException("size " + size);
		}

		/** One echo call; also used as "first RPC" after a connect. */
		ItemEvent call(int size) throws Exception {
			return client.request(requests[index(size)], host).get(30, TimeUnit.SECONDS);
		}

		@Override
		public long[] roundTrips(int size, long nanos) throws Exception {
			EchoRequest request = requests[index(size)];
			LongList samples = new LongList();
			long end = System.nanoTime() + nanos;
			long now;
			do {
				long start = System.nanoTime();
				if (sync) {
					client.call(request, host);
				}
				else {
					client.request(request, host).get(30, TimeUnit.SECONDS);
				}
				now = System.nanoTime();
				samples.add(now - start);
			}
			while (now < end);
			return samples.toArray();
		}

		@Override
		public double callsPerSecond(int size, int inflight, long nanos) throws Exception {
			if (sync) {
				return syncCallsPerSecond(requests[index(size)], inflight, nanos);
			}
			EchoRequest request = requests[index(size)];
			Semaphore window = new Semaphore(inflight);
			AtomicLong completed = new AtomicLong();
			AtomicReference<Throwable> failure = new AtomicReference<>();
			long start = System.nanoTime();
			long end = start + nanos;
			while (System.nanoTime() < end) {
				if (window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
					client.request(request, host).whenComplete((value, error) -> {
						if (error != null) {
							failure.set(error);
						}
						else {
							completed.incrementAndGet();
						}
						window.release();
					});
				}
			}
			long done = completed.get();
			long elapsed = System.nanoTime() - start;
			if (!window.tryAcquire(inflight, 60, TimeUnit.SECONDS)) {
				throw new IllegalStateException("calls still in flight after 60 s");
			}
			if (failure.get() != null) {
				throw new IllegalStateException("call failed", failure.get());
			}
			return done * 1e9 / elapsed;
		}

		/** {@code threads} threads each calling synchronously, one call at a time. */
		private double syncCallsPerSecond(EchoRequest request, int threads, long nanos) throws Exception {
			AtomicLong completed = new AtomicLong();
			AtomicReference<Throwable> failure = new AtomicReference<>();
			long start = System.nanoTime();
			long end = start + nanos;
			Thread[] callers = new Thread[threads];
			for (int i = 0; i < threads; i++) {
				callers[i] = new Thread(() -> {
					try {
						while (System.nanoTime() < end) {
							client.call(request, host);
							completed.incrementAndGet();
						}
					}
					catch (Throwable ex) {
						failure.compareAndSet(null, ex);
					}
				}, "bench-caller-" + i);
				callers[i].start();
			}
			for (Thread caller : callers) {
				caller.join(TimeUnit.SECONDS.toMillis(60));
			}
			long elapsed = System.nanoTime() - start;
			if (failure.get() != null) {
				throw new IllegalStateException("call failed", failure.get());
			}
			return completed.get() * 1e9 / elapsed;
		}

		@Override
		public double messagesPerSecond(int size, long nanos) throws Exception {
			ItemEvent event = events[index(size)];
			long window = Math.max(4, window(size) / windowDivisor);
			// start from the host's count so acknowledgements line up, and have a quarter
			// window acknowledged at once
			long base = client.request(new CountRequest((int) Math.max(1, window / 4)), host)
				.get(30, TimeUnit.SECONDS)
				.received();
			acked.set(base);
			long sent = base;
			long start = System.nanoTime();
			long end = start + nanos;
			while (System.nanoTime() < end) {
				if (sent - acked.get() < window) {
					client.send(event, host);
					sent++;
				}
				else {
					java.util.concurrent.locks.LockSupport.parkNanos(20_000); // never
																				// spin: 2
																				// CPUs
				}
			}
			// wait until the host has seen every message
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (true) {
				long seen = (acked.get() >= sent) ? acked.get()
						: client.request(new CountRequest(0), host).get(30, TimeUnit.SECONDS).received();
				if (seen >= sent) {
					break;
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("host saw " + (seen - base) + " of " + (sent - base));
				}
				Thread.sleep(0, 100_000);
			}
			long elapsed = System.nanoTime() - start;
			sentTotal += sent - base;
			return (sent - base) * 1e9 / elapsed;
		}

		@Override
		public long[] connects(int count) throws Exception {
			return connects(count, false);
		}

		@Override
		public long[] survivingConnects(int count) throws Exception {
			return connects(count, true);
		}

		/**
		 * {@code count} times a new transport and client, the first call and close; with
		 * {@code surviving}, each new client (of the same name) starts with the session
		 * the one before it held with the host, as a durable session store would keep it
		 * across a restart (a first connect outside the samples makes it). The stored
		 * form is taken before the close, because an orderly close forgets the session.
		 */
		private long[] connects(int count, boolean surviving) throws Exception {
			if (fresh == null || (surviving && sessions == null)) {
				return new long[0];
			}
			Peer previous = null;
			if (surviving) {
				previous = fresh.apply(null);
				previous.call(Payloads.SIZES[0]);
			}
			long[] samples = new long[count];
			for (int i = 0; i < count; i++) {
				byte[] stored = (previous != null) ? previous.storedSession() : null;
				if (previous != null) {
					previous.close();
				}
				long start = System.nanoTime();
				Peer peer = (previous != null) ? previous.fresh(stored) : fresh.apply(null);
				peer.call(Payloads.SIZES[0]);
				samples[i] = System.nanoTime() - start;
				if (surviving) {
					previous = peer;
				}
				else {
					peer.close();
				}
			}
			if (previous != null) {
				previous.close();
			}
			return samples;
		}

		private Peer fresh(byte @Nullable [] stored) {
			return Objects.requireNonNull(fresh).apply(stored);
		}

		/** The session with the host in its stored form. */
		private byte[] storedSession() {
			return SESSION_CODEC.encode(Objects.requireNonNull(sessions).get(host).orElseThrow());
		}

		@Override
		public double handshakeNanos(NoiseSuite suite, long nanos) throws Exception {
			LongList samples = new LongList();
			long end = System.nanoTime() + nanos;
			long now;
			do {
				long start = System.nanoTime();
				HandshakeBenchmark.handshake(suite);
				now = System.nanoTime();
				samples.add(now - start);
			}
			while (now < end);
			return Stats.percentile(Stats.sorted(samples.toArray()), 0.5);
		}

		@Override
		public void close() {
			client.close();
			if (onClose != null) {
				onClose.run();
			}
		}

	}

}
