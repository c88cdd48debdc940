package dev.ipc.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.json.JsonMapper;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.NoiseSession;
import dev.ipc.event.IpcEventListener;
import dev.ipc.observation.IpcObserver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.SessionRepository;

/**
 * Builds the default {@link IpcClient}. Required: a {@link #backend backend}. Everything
 * else has a default; in particular messages are end-to-end encrypted with
 * {@link NoiseCryptoProvider} (suite {@code Noise_NN_P256_AESGCM_SHA256}) and sessions
 * kept in memory unless {@link #crypto} says otherwise.
 *
 * <p>
 * {@link #build()} fails with {@link IllegalStateException} naming the missing or invalid
 * setting.
 */
public final class IpcClientBuilder {

	/**
	 * Default capacity of each subscription's queue, as the reference's broadcast
	 * channel.
	 */
	public static final int DEFAULT_SUBSCRIBER_QUEUE_CAPACITY = 50;

	/** Default RPC timeout when a call does not give one. */
	public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(30);

	@Nullable CommunicationBackend backend;

	@Nullable CryptoProvider<?> crypto;

	int maxMessageSize = NoiseCryptoProvider.DEFAULT_MAX_MESSAGE_SIZE;

	boolean maxMessageSizeSet;

	/** {@link #crypto} was filled in by {@link #build()}, not by the caller. */
	private boolean cryptoDefaulted;

	@Nullable SessionRepository<?> sessions;

	@Nullable PayloadCodec codec;

	@Nullable Executor handlerExecutor;

	int maxWorkerThreads = 256;

	boolean directDispatch;

	int subscriberQueueCapacity = DEFAULT_SUBSCRIBER_QUEUE_CAPACITY;

	Duration defaultRpcTimeout = DEFAULT_RPC_TIMEOUT;

	Duration shutdownTimeout = Duration.ofSeconds(10);

	/** Spin of a synchronous call before it sleeps ({@link #rpcSpin}); zero: none. */
	Duration rpcSpin = Duration.ZERO;

	DuplicateHandlerPolicy duplicateHandlerPolicy = DuplicateHandlerPolicy.FAIL;

	final List<IpcEventListener> listeners = new ArrayList<>();

	IpcObserver observer = IpcObserver.NOOP;

	String name = "ipc";

	@Nullable String discoverVersion;

	boolean keepJvmAlive = true;

	IpcClientBuilder() {
	}

	/** The transport (required). The client does not close it. */
	public IpcClientBuilder backend(CommunicationBackend backend) {
		this.backend = Objects.requireNonNull(backend, "backend");
		return this;
	}

	/**
	 * The crypto provider and the repository of its per-peer sessions. Default: a
	 * {@link NoiseCryptoProvider} with default settings and an
	 * {@link InMemorySessionRepository}.
	 */
	public <S> IpcClientBuilder crypto(CryptoProvider<S> provider, SessionRepository<S> sessions) {
		this.cryptoDefaulted = false;
		this.crypto = Objects.requireNonNull(provider, "provider");
		this.sessions = Objects.requireNonNull(sessions, "sessions");
		return this;
	}

	/**
	 * The largest message payload of the default {@link NoiseCryptoProvider} (default 16
	 * MiB): between two Java peers a larger payload than one Noise frame (65,519 bytes)
	 * travels in fragments up to this size; toward a Bitwarden peer the 65,519-byte limit
	 * stays. With an explicit {@link #crypto} provider, configure that provider instead
	 * ({@link NoiseCryptoProvider.Builder#maxMessageSize(int)}); combining both fails in
	 * {@link #build()}.
	 * @throws IllegalArgumentException if not between 1 byte and 1 GiB
	 */
	public IpcClientBuilder maxMessageSize(int bytes) {
		NoiseCryptoProvider.builder().maxMessageSize(bytes); // validates
		this.maxMessageSize = bytes;
		this.maxMessageSizeSet = true;
		return this;
	}

	/**
	 * The payload codec (default: a new {@link PayloadCodec#defaults()} per client). The
	 * default is not shared between clients on purpose: a codec's Jackson caches hold the
	 * payload classes it has seen, so a JVM-wide one would keep the class loader of every
	 * application that ever used it alive (a devtools restart, a closed plugin context;
	 * {@code RestartClassLoaderTest}). Share a codec of your own between clients of one
	 * application to share its warm-up.
	 */
	public IpcClientBuilder codec(PayloadCodec codec) {
		this.codec = Objects.requireNonNull(codec, "codec");
		return this;
	}

	/**
	 * Uses an application's JSON mapper for payloads (our Jackson module is added to it).
	 */
	public IpcClientBuilder jsonMapper(JsonMapper mapper) {
		return codec(PayloadCodec.of(mapper));
	}

	/**
	 * The executor for RPC handlers, subscription callbacks and RPC completions. The
	 * client does not shut it down. It must not queue tasks behind blocked ones
	 * indefinitely: a handler that waits for another RPC needs a thread to complete that
	 * RPC. Default: a pool owned and closed by the client that keeps a few named daemon
	 * threads and grows on demand up to {@link #maxWorkerThreads} (as gRPC's default
	 * executor grows).
	 */
	public IpcClientBuilder handlerExecutor(Executor executor) {
		this.handlerExecutor = Objects.requireNonNull(executor, "executor");
		return this;
	}

	/**
	 * Upper bound of the default handler pool (default 256; ignored when an executor is
	 * given). Beyond it, work runs on the receive loop rather than being lost.
	 */
	public IpcClientBuilder maxWorkerThreads(int threads) {
		this.maxWorkerThreads = threads;
		return this;
	}

	/**
	 * Runs handlers, callbacks and RPC completions directly, saving thread hand-offs: on
	 * the receive loop, or — when the loop is idle and nothing is buffered — on the
	 * thread that delivers the message (a socket transport's reader, the sender's thread
	 * on the in-memory bus), so the loop need not even be woken. Messages are still
	 * processed one at a time and in order. Only for code that never blocks: a blocking
	 * handler then stalls receiving.
	 */
	public IpcClientBuilder directDispatch(boolean direct) {
		this.directDispatch = direct;
		return this;
	}

	/**
	 * Capacity of each subscription's queue (default 50); on overflow the oldest message
	 * is dropped and counted.
	 */
	public IpcClientBuilder subscriberQueueCapacity(int capacity) {
		this.subscriberQueueCapacity = capacity;
		return this;
	}

	/** Timeout of requests that do not give one (default 30 s). */
	public IpcClientBuilder defaultRpcTimeout(Duration timeout) {
		this.defaultRpcTimeout = Objects.requireNonNull(timeout, "timeout");
		return this;
	}

	/**
	 * How long a synchronous {@link IpcClient#call} polls for its response before it
	 * sleeps (an idle strategy; default zero: it sleeps at once). A response that arrives
	 * within the spin is read without the calling thread being woken, which takes the
	 * cost of one thread wake-up (tens of microseconds on a virtual machine) off the
	 * round trip; the price is a CPU kept busy for up to this long per call, polling the
	 * socket (a non-blocking select per iteration), whether the answer comes or not. Only
	 * the caller that reads the connection spins; concurrent callers waiting behind it
	 * park. Worth it only for latency-critical callers on machines with a core to spare;
	 * keep it below the typical round trip (for example 50-100 µs).
	 * @throws IllegalArgumentException if negative or longer than one second
	 */
	public IpcClientBuilder rpcSpin(Duration spin) {
		Objects.requireNonNull(spin, "spin");
		if (spin.isNegative() || spin.compareTo(Duration.ofSeconds(1)) > 0) {
			throw new IllegalArgumentException("rpcSpin must be between 0 and 1 s, got " + spin);
		}
		this.rpcSpin = spin;
		return this;
	}

	/**
	 * How long {@code close()} waits for running handlers of the client's own pool
	 * (default 10 s).
	 */
	public IpcClientBuilder shutdownTimeout(Duration timeout) {
		this.shutdownTimeout = Objects.requireNonNull(timeout, "timeout");
		return this;
	}

	/**
	 * What registering a second handler for a request type does (default
	 * {@link DuplicateHandlerPolicy#FAIL}).
	 */
	public IpcClientBuilder duplicateHandlerPolicy(DuplicateHandlerPolicy policy) {
		this.duplicateHandlerPolicy = Objects.requireNonNull(policy, "policy");
		return this;
	}

	/** Adds a listener for observable events (metrics, health, tracing). */
	public IpcClientBuilder listener(IpcEventListener listener) {
		this.listeners.add(Objects.requireNonNull(listener, "listener"));
		return this;
	}

	/**
	 * The observer of RPCs and sends (observations, tracing; default none). It may carry
	 * a context to responders inside request envelopes; see
	 * {@link dev.ipc.observation.RpcContextCarrier}.
	 */
	public IpcClientBuilder observer(IpcObserver observer) {
		this.observer = Objects.requireNonNull(observer, "observer");
		return this;
	}

	/** A short name used in thread names and logs (default {@code ipc}). */
	public IpcClientBuilder name(String name) {
		this.name = Objects.requireNonNull(name, "name");
		return this;
	}

	/**
	 * Registers the built-in Discover handler answering with {@code version} (spec §6).
	 */
	public IpcClientBuilder discoverable(String version) {
		this.discoverVersion = Objects.requireNonNull(version, "version");
		return this;
	}

	/**
	 * Whether a running client keeps the JVM alive (default {@code true}). All the
	 * client's own threads are daemons; with this set, one non-daemon thread named
	 * {@code <name>-keep-alive} exists from {@code start()} until {@code stop()} or
	 * {@code close()} (or a fatal error stops the client), so an application whose
	 * {@code main} returns after starting a client keeps serving until it closes the
	 * client, typically from a shutdown hook on SIGTERM. It never delays
	 * {@code System.exit} or a signal. Set {@code false} when something else keeps the
	 * JVM alive or the JVM should end with {@code main}.
	 */
	public IpcClientBuilder keepJvmAlive(boolean keepAlive) {
		this.keepJvmAlive = keepAlive;
		return this;
	}

	/** Builds the client (not started). */
	public IpcClient build() {
		if (backend == null) {
			throw new IllegalStateException("IpcClient needs a CommunicationBackend: call backend(...)");
		}
		if (crypto == null || sessions == null) {
			crypto(NoiseCryptoProvider.builder().maxMessageSize(maxMessageSize).build(),
					new InMemorySessionRepository<NoiseSession>());
			cryptoDefaulted = true;
		}
		else if (maxMessageSizeSet && !cryptoDefaulted) {
			throw new IllegalStateException("maxMessageSize(...) configures the default crypto provider; with an "
					+ "explicit crypto(...) provider set its own limit (NoiseCryptoProvider.Builder.maxMessageSize)");
		}
		if (subscriberQueueCapacity < 1) {
			throw new IllegalStateException(
					"subscriberQueueCapacity must be at least 1, got " + subscriberQueueCapacity);
		}
		if (handlerExecutor == null && maxWorkerThreads < 1) {
			throw new IllegalStateException("maxWorkerThreads must be at least 1, got " + maxWorkerThreads);
		}
		if (defaultRpcTimeout.isNegative() || defaultRpcTimeout.isZero()) {
			throw new IllegalStateException("defaultRpcTimeout must be positive, got " + defaultRpcTimeout);
		}
		return new DefaultIpcClient(this);
	}

}
