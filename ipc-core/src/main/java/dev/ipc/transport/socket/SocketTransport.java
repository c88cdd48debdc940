package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.LogSafe;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.ReceiveDriver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.transport.ReceiverFanout;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * A {@link CommunicationBackend} between processes on one machine over a Unix domain
 * socket (the default) or TCP (loopback unless configured otherwise). One process is the
 * <em>host</em>: it binds the address, accepts <em>peers</em>, routes messages between
 * them and is itself an endpoint; peers connect, register their endpoint and reconnect
 * with bounded exponential backoff when the host goes away. The protocol is specified in
 * {@code docs/transport-protocol.md}.
 *
 * <pre>{@code
 * SocketTransport transport = SocketTransport.open(SocketTransportOptions.builder()
 *     .endpoint(Endpoint.named("worker"))
 *     .unixSocket(Path.of("/run/user/1000/myapp/ipc.sock"))
 *     .build());                      // role AUTO: connect to a live host, else become it
 * IpcClient client = IpcClient.builder().backend(transport).crypto(...).build();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 * <li>The host stamps the {@link dev.ipc.model.Source} of every delivery from the
 * sender's registered endpoint, never from what the sender claims. On a Unix socket it
 * reads the peer's OS user ({@code SO_PEERCRED}), admits only its own user unless
 * {@link SocketTransportOptions#allowedUsers() configured otherwise}, and puts the
 * verified user in {@link dev.ipc.model.Source.Named#user()}. Bitwarden-variant endpoints
 * carry no user.</li>
 * <li>{@link #send} to an endpoint that is not connected fails at once with
 * {@link IpcUnreachableException}.</li>
 * <li>Disconnect listeners hear of every endpoint that goes away: on the host when a
 * peer's connection closes; on a peer when the host says a peer left, and for every
 * remote endpoint when the connection to the host drops.</li>
 * <li>Bad input (garbage, truncated or oversized frames, a forged {@code Hello}, a silent
 * client) costs at most the offending connection; it is counted ({@link #stats()}) and
 * reported to the configured {@link IpcEventListener}.</li>
 * <li>Whatever a peer sends costs bounded CPU, memory, threads and descriptors: separate
 * caps and per-user quotas for handshaking and registered connections, a 4 KiB first
 * frame, a linear structure check before any frame is parsed, bounded endpoint fields and
 * caches, escaped and rate-limited warnings (see {@code docs/limits.md}).</li>
 * <li>Messages that arrive while no receiver is subscribed (a host's client usually
 * starts after the transport opened) are held, bounded, for the first receiver; beyond
 * the bound they are counted drops.</li>
 * <li>A peer that cannot reach its host says why: once at WARN per kind of problem, and
 * in {@link #lastConnectionProblem()}.</li>
 * <li>One I/O thread ({@code ipc-socket-<endpoint>-io}) serves every connection of the
 * transport however many peers connect (a peer adds a {@code -connect} thread for
 * connecting and the reconnect back-off). Receivers' push consumers
 * ({@link BackendReceiver#deliverTo}) and disconnect listeners may run on it and must not
 * block; a handler that blocks stalls every connection of the process. Peers negotiate
 * protocol version 2 (compact data frames) with a host that speaks it and version 1
 * otherwise.</li>
 * <li>Every thread is a named daemon ({@code ipc-socket-<endpoint>-...}) and ends on
 * {@link #close()}, which lets queued frames drain for at most
 * {@link SocketTransportOptions#closeTimeout()} and removes the host's socket file.</li>
 * </ul>
 */
public final class SocketTransport implements CommunicationBackend, ReceiveDriver {

	private static final Logger log = LoggerFactory.getLogger(SocketTransport.class);

	/**
	 * Room kept free in a frame for the source a host adds when it turns a
	 * {@code Message} into a {@code Deliver}.
	 */
	static final int SOURCE_RESERVE = 1024;

	/** Counters behind {@link SocketTransportStats}. */
	static final class Counters {

		final AtomicLong connectionsAccepted = new AtomicLong();

		final AtomicLong connectionsRejected = new AtomicLong();

		final AtomicLong helloTimeouts = new AtomicLong();

		final AtomicLong malformedFrames = new AtomicLong();

		final AtomicLong oversizedFrames = new AtomicLong();

		final AtomicLong overflowDrops = new AtomicLong();

		final AtomicLong undeliverable = new AtomicLong();

		final AtomicLong connects = new AtomicLong();

		final AtomicLong staleSocketsReplaced = new AtomicLong();

		final AtomicLong evictions = new AtomicLong();

		/** Failed attempts of a peer to reach its host (for tests and diagnostics). */
		final AtomicLong connectFailures = new AtomicLong();

		final AtomicLong heldUntilSubscribed = new AtomicLong();

		final AtomicLong noReceiverDrops = new AtomicLong();

		final ConcurrentHashMap<String, AtomicLong> rejections = new ConcurrentHashMap<>();

		/**
		 * Counts a connection refused with {@code reason} (one of the protocol's reject
		 * reasons).
		 */
		void rejected(String reason) {
			connectionsRejected.incrementAndGet();
			rejections.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
		}

		Map<String, Long> rejectionsByReason() {
			Map<String, Long> copy = new TreeMap<>();
			rejections.forEach((reason, count) -> copy.put(reason, count.get()));
			return Collections.unmodifiableMap(copy);
		}

	}

	private enum Attempt {

		CONNECTED, HOSTING, FAILED

	}

	private final SocketTransportOptions options;

	private final String threadPrefix;

	private final ReceiverFanout fanout;

	private final Counters counters = new Counters();

	private final PeerSubscriptions subscriptions;

	private final List<Consumer<Endpoint>> disconnectListeners = new CopyOnWriteArrayList<>();

	/** The one I/O thread: every connection, the host's accepting, the timers. */
	private final IoLoop loop;

	private final ReentrantLock stateLock = new ReentrantLock();

	private final Condition stateChanged = stateLock.newCondition();

	private final AtomicBoolean closeStarted = new AtomicBoolean();

	private final CountDownLatch firstAttempt = new CountDownLatch(1);

	private volatile boolean closed;

	private final RateLimitedLog warnings = new RateLimitedLog(log);

	private volatile @Nullable HostServer host;

	private volatile @Nullable PeerLink link;

	private @Nullable Thread connector;

	/**
	 * Messages that arrived while no receiver was subscribed, for the next one (guarded
	 * by {@link #heldLock}).
	 */
	private final ArrayDeque<IncomingMessage> held = new ArrayDeque<>();

	private final ReentrantLock heldLock = new ReentrantLock();

	private long heldBytes;

	/**
	 * Whether messages are being held (no receiver yet, or none any more); cleared once
	 * they are handed over.
	 */
	private volatile boolean holding = true;

	private final int heldCapacity;

	private final long heldMaxBytes;

	/**
	 * Why the last attempt to reach the host failed, until one succeeds (a peer's health
	 * detail).
	 */
	private volatile @Nullable String connectionProblem;

	/** The kind of the last connection problem logged at WARN (connector thread only). */
	private @Nullable String loggedProblemKind;

	private SocketTransport(SocketTransportOptions options) throws IOException {
		this.options = options;
		this.threadPrefix = "ipc-socket-" + label(options.endpoint());
		this.fanout = new ReceiverFanout(options.receiverCapacity());
		this.subscriptions = new PeerSubscriptions(options.endpoint());
		this.loop = new IoLoop(threadPrefix + "-io");
		this.heldCapacity = Math.min(options.outboundQueueCapacity(), options.receiverCapacity());
		this.heldMaxBytes = options.outboundQueueMaxBytes();
	}

	/**
	 * Opens a transport. A {@link Role#HOST host} binds before this returns; a
	 * {@link Role#PEER peer} or an {@link Role#AUTO auto} transport makes its first
	 * attempt (connect, or for auto become the host) before this returns, and keeps
	 * trying in the background if it failed.
	 * @throws IOException if a host cannot bind its address (another live host,
	 * permissions, an insecure socket directory) or an auto transport's socket directory
	 * is unusable
	 */
	public static SocketTransport open(SocketTransportOptions options) throws IOException {
		Objects.requireNonNull(options, "options");
		SocketTransport transport = new SocketTransport(options);
		try {
			transport.start();
		}
		catch (IOException | RuntimeException ex) {
			transport.close();
			throw ex;
		}
		return transport;
	}

	private void start() throws IOException {
		loop.start();
		if (options.role() == Role.HOST) {
			HostServer server = bindHost(false);
			host = server;
			server.start();
			log.info("IPC socket transport: {} hosts {}", options.endpoint(), options.addressDescription());
			return;
		}
		if (options.role() == Role.AUTO && options.isUnix()) {
			UnixSocketFiles.prepareDirectory(options.unixSocket());
		}
		Thread thread = new Thread(this::connectLoop, threadPrefix + "-connect");
		thread.setDaemon(true);
		connector = thread;
		thread.start();
		try {
			firstAttempt.await(options.connectTimeout().plus(options.helloTimeout()).toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	// ------------------------------------------------------------------ public API

	/** The options this transport was opened with. */
	public SocketTransportOptions options() {
		return options;
	}

	/** This process's endpoint. */
	public Endpoint localEndpoint() {
		return options.endpoint();
	}

	/**
	 * The current role: {@link Role#HOST} when this process serves, {@link Role#PEER}
	 * when it is (or, for role PEER, tries to be) connected to a host, {@link Role#AUTO}
	 * while an auto transport has not settled.
	 */
	public Role currentRole() {
		if (host != null) {
			return Role.HOST;
		}
		PeerLink l = link;
		if (options.role() == Role.PEER || (l != null && l.isUp())) {
			return Role.PEER;
		}
		return Role.AUTO;
	}

	/** Whether this transport serves as host, or is connected to a host. */
	@Override
	public boolean isConnected() {
		if (closed) {
			return false;
		}
		if (host != null) {
			return true;
		}
		PeerLink l = link;
		return l != null && l.isUp();
	}

	/**
	 * Waits until {@link #isConnected()} or the timeout passes.
	 * @return whether it is connected
	 */
	public boolean awaitConnected(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		stateLock.lock();
		try {
			while (!isConnected()) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0 || closed) {
					return isConnected();
				}
				stateChanged.awaitNanos(remaining);
			}
			return true;
		}
		finally {
			stateLock.unlock();
		}
	}

	/**
	 * The endpoints currently reachable: a host's connected peers and itself; a peer's
	 * view from presence updates.
	 */
	@Override
	public Set<Endpoint> reachableEndpoints() {
		if (closed) {
			return Set.of();
		}
		HostServer h = host;
		if (h != null) {
			return h.reachable();
		}
		PeerLink l = link;
		return (l != null) ? l.reachable() : Set.of();
	}

	/**
	 * The TCP port the host is bound to (useful with port 0), else the configured port,
	 * or -1 for a Unix socket.
	 */
	public int localTcpPort() {
		HostServer h = host;
		if (h != null && !options.isUnix()) {
			return h.localPort();
		}
		return options.isUnix() ? -1 : options.tcpPort();
	}

	/** A snapshot of the counters. */
	public SocketTransportStats stats() {
		HostServer h = host;
		PeerLink l = link;
		int peers = (h != null) ? h.peerCount() : (l != null) ? l.peerCount() : 0;
		return new SocketTransportStats(currentRole(), isConnected(), peers, counters.connectionsAccepted.get(),
				counters.connectionsRejected.get(), counters.helloTimeouts.get(), counters.malformedFrames.get(),
				counters.oversizedFrames.get(), counters.overflowDrops.get(), counters.undeliverable.get(),
				counters.connects.get(), counters.staleSocketsReplaced.get(), counters.rejectionsByReason(),
				counters.evictions.get(), counters.heldUntilSubscribed.get(), counters.noReceiverDrops.get());
	}

	/**
	 * {@inheritDoc} Over protocol version 3 (both sides of this release): the host keeps
	 * the subscription table and every peer a replica ({@code docs/transport-protocol.md}
	 * §13).
	 */
	@Override
	public boolean supportsPublish() {
		return true;
	}

	@Override
	public void announceSubscriptions(Set<String> topics) {
		Objects.requireNonNull(topics, "topics");
		if (closed) {
			return;
		}
		subscriptions.announce(topics, host, link);
	}

	@Override
	public Set<Endpoint> subscribersOf(String topic) {
		Objects.requireNonNull(topic, "topic");
		if (closed) {
			return Set.of();
		}
		return subscriptions.subscribersOf(topic, host);
	}

	@Override
	public void sendPublished(OutgoingMessage message) {
		Objects.requireNonNull(message, "message");
		if (closed) {
			throw new IpcClosedException("Socket transport of " + options.endpoint() + " is closed");
		}
		HostServer h = host;
		if (h != null) {
			h.sendPublished(message);
			return;
		}
		PeerLink l = link;
		if (l == null) {
			throw new IpcUnreachableException(message.destination(), "not connected to the host");
		}
		l.sendPublished(message);
	}

	@Override
	public void send(OutgoingMessage message) {
		Objects.requireNonNull(message, "message");
		if (closed) {
			throw new IpcClosedException("Socket transport of " + options.endpoint() + " is closed");
		}
		HostServer h = host;
		if (h != null) {
			h.send(message);
			return;
		}
		PeerLink l = link;
		if (l == null) {
			throw new IpcUnreachableException(message.destination(), "not connected to the host");
		}
		l.send(message);
	}

	/**
	 * A new receiver. Messages that arrived while no receiver was subscribed (a host
	 * accepts peers as soon as it is open, usually before its client starts) were held,
	 * up to {@code min(outboundQueueCapacity, receiverCapacity)} messages and
	 * {@code outboundQueueMaxBytes} bytes of payload; the receiver that subscribes first
	 * gets them, in order, before anything newer. Messages beyond that bound were dropped
	 * and counted ({@link SocketTransportStats#noReceiverDrops()},
	 * {@link DropReason#TRANSPORT_OVERFLOW}).
	 */
	@Override
	public BackendReceiver subscribe() {
		heldLock.lock();
		try {
			BackendReceiver receiver = fanout.subscribe();
			IncomingMessage message;
			while ((message = held.pollFirst()) != null) {
				fanout.publish(message);
			}
			heldBytes = 0;
			holding = false;
			return receiver;
		}
		finally {
			heldLock.unlock();
		}
	}

	/**
	 * Why the last attempt to reach the host failed (for example no socket file at the
	 * path, connection refused, permission denied, refused by the host), while a peer is
	 * not connected; empty once connected, and for a host.
	 */
	@Override
	public Optional<String> lastConnectionProblem() {
		if (closed || host != null) {
			return Optional.empty();
		}
		PeerLink l = link;
		if (l != null && l.isUp()) {
			return Optional.empty();
		}
		return Optional.ofNullable(connectionProblem);
	}

	/**
	 * A peer lets the calling thread read its connection to the host while it waits
	 * ({@link CallerReads}): what it reads is delivered exactly as the I/O thread would,
	 * and when it returns the connection is read by the next waiting caller or the I/O
	 * thread again. A host, a peer that is not connected, and the I/O thread itself only
	 * wait.
	 */
	@Override
	public boolean driveUntil(java.util.function.BooleanSupplier condition, long deadlineNanos, long spinNanos)
			throws InterruptedException {
		PeerLink l = link;
		if (l != null && l.isUp() && !closed && !loop.inLoop()) {
			CallerReads.Outcome outcome = l.drive(condition, deadlineNanos, spinNanos);
			if (outcome != CallerReads.Outcome.CANNOT) {
				return outcome == CallerReads.Outcome.DONE;
			}
			spinNanos = 0;
		}
		return CallerReads.park(condition, deadlineNanos, spinNanos);
	}

	/** The application thread reading the connection to the host, if any (tests). */
	@Nullable Thread callerReading() {
		PeerLink l = link;
		return (l != null) ? l.callerReading() : null;
	}

	@Override
	public void wake(Thread waiter) {
		if (waiter == Thread.currentThread()) {
			return;
		}
		PeerLink l = link;
		if (l != null) {
			l.wakeReader(waiter);
		}
		else {
			java.util.concurrent.locks.LockSupport.unpark(waiter);
		}
	}

	@Override
	public void addDisconnectListener(Consumer<Endpoint> listener) {
		disconnectListeners.add(Objects.requireNonNull(listener, "listener"));
	}

	/**
	 * Stops: a peer lets its queued frames drain and disconnects; a host stops accepting,
	 * drains and closes every connection and removes its socket file. Bounded by
	 * {@link SocketTransportOptions#closeTimeout()}. Receivers then fail with
	 * {@link IpcClosedException}. Idempotent.
	 */
	@Override
	public void close() {
		if (!closeStarted.compareAndSet(false, true)) {
			return;
		}
		long deadline = System.nanoTime() + options.closeTimeout().toNanos();
		stateLock.lock();
		try {
			closed = true;
			stateChanged.signalAll();
		}
		finally {
			stateLock.unlock();
		}
		PeerLink l = link;
		if (l != null) {
			l.close(deadline);
		}
		HostServer h = host;
		if (h != null) {
			h.close(deadline);
		}
		Thread thread = connector;
		if (thread != null && thread != Thread.currentThread()) {
			thread.interrupt();
			try {
				TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, deadline - System.nanoTime()));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			if (thread.isAlive()) {
				log.warn("The connector thread of {} did not end in time", options.endpoint());
			}
		}
		loop.close(deadline);
		heldLock.lock();
		try {
			held.clear();
			heldBytes = 0;
		}
		finally {
			heldLock.unlock();
		}
		fanout.close();
		log.debug("IPC socket transport of {} closed", options.endpoint());
	}

	@Override
	public String toString() {
		return "SocketTransport[" + options.endpoint() + ", " + options.addressDescription() + ", " + currentRole()
				+ "]";
	}

	// ------------------------------------------------------------------ connecting (peer
	// and auto)

	private void connectLoop() {
		int failures = 0;
		boolean lost = false;
		try {
			while (!closed) {
				if (failures > 0 || lost) {
					if (!pauseUntilClosed(backoffNanos(failures))) {
						break;
					}
				}
				lost = false;
				Attempt attempt = attempt();
				firstAttempt.countDown();
				if (attempt == Attempt.HOSTING) {
					return;
				}
				if (attempt == Attempt.FAILED) {
					failures++;
					continue;
				}
				failures = 0;
				PeerLink l = link;
				if (l != null) {
					l.awaitClosed();
				}
				lost = true;
			}
		}
		catch (InterruptedException ex) {
			// closing
		}
		finally {
			firstAttempt.countDown();
		}
	}

	/**
	 * Bounded exponential backoff with jitter: a random delay in [d/2, d], d = initial *
	 * 2^(n-1) up to max.
	 */
	long backoffNanos(int failures) {
		long initial = options.initialBackoff().toNanos();
		long max = options.maxBackoff().toNanos();
		int shift = Math.min(Math.max(failures - 1, 0), 30);
		long base = (initial > (max >> shift)) ? max : Math.min(max, initial << shift);
		long half = base / 2;
		return half + ThreadLocalRandom.current().nextLong(half + 1);
	}

	/**
	 * Records why reaching the host failed. Logged at WARN the first time and whenever
	 * the kind of problem changes, at DEBUG while it keeps failing the same way;
	 * {@link #lastConnectionProblem()} shows it meanwhile.
	 */
	private void connectionFailed(String kind, String problem) {
		counters.connectFailures.incrementAndGet();
		connectionProblem = problem;
		if (!kind.equals(loggedProblemKind)) {
			loggedProblemKind = kind;
			log.warn(
					"IPC socket transport: {} cannot connect to the host at {}: {}; retrying with backoff (up to {} "
							+ "between attempts; further failures of this kind are logged at debug)",
					options.endpoint(), options.addressDescription(), problem, options.maxBackoff());
		}
		else {
			log.debug("IPC socket transport: connecting to {} failed again: {}", options.addressDescription(), problem);
		}
	}

	private static String problemKind(IOException ex) {
		String message = String.valueOf(ex.getMessage());
		if (ex instanceof java.nio.file.NoSuchFileException || message.contains("No such file")) {
			return "no-file";
		}
		if (ex instanceof java.net.ConnectException || message.contains("refused")) {
			return "refused";
		}
		if (ex instanceof java.nio.file.AccessDeniedException || message.contains("Permission denied")
				|| message.contains("Access denied")) {
			return "permission";
		}
		return ex.getClass().getName();
	}

	private String describe(IOException ex) {
		String where = options.addressDescription();
		return switch (problemKind(ex)) {
			case "no-file" -> "no socket file at " + where + " (is the host running, and is the path the host's?)";
			case "refused" -> options.isUnix()
					? "connection refused at " + where + " (a socket file without a live host: the host is not running)"
					: "connection refused at " + where + " (nothing listens on that port)";
			case "permission" ->
				"permission denied at " + where + " (the socket or its directory belongs to another OS user)";
			default -> "connecting to " + where + " failed: " + LogSafe.escape(ex);
		};
	}

	private Attempt attempt() throws InterruptedException {
		PeerLink candidate;
		try {
			candidate = PeerLink.connect(this);
		}
		catch (PeerLink.HostNotTrustedException ex) {
			connectionFailed("untrusted-host", LogSafe.escape(ex.getMessage()));
			return Attempt.FAILED;
		}
		catch (IOException ex) {
			if (closed) {
				return Attempt.FAILED;
			}
			if (options.role() == Role.AUTO) {
				return tryToHost();
			}
			connectionFailed(problemKind(ex), describe(ex));
			return Attempt.FAILED;
		}
		stateLock.lock();
		try {
			if (closed) {
				candidate.closeNow();
				return Attempt.FAILED;
			}
			link = candidate;
		}
		finally {
			stateLock.unlock();
		}
		Frame answer = candidate.awaitHandshake(options.helloTimeout());
		if (answer instanceof Frame.Welcome welcome && candidate.isUp()) {
			counters.connects.incrementAndGet();
			subscriptions.linkUp(candidate);
			String previous = connectionProblem;
			connectionProblem = null;
			loggedProblemKind = null;
			log.info("IPC socket transport: {} connected to host {} at {} ({} other peers){}", options.endpoint(),
					LogSafe.escape(welcome.host()), options.addressDescription(), welcome.peers().size(),
					(previous != null) ? "; the earlier problem is resolved" : "");
			signalStateChange();
			return Attempt.CONNECTED;
		}
		if (answer instanceof Frame.Rejected rejected) {
			connectionFailed("rejected:" + LogSafe.escape(rejected.reason()), "the host refused " + options.endpoint()
					+ ": " + LogSafe.escape(rejected.reason()) + " (" + LogSafe.escape(rejected.detail()) + ")");
		}
		else if (!closed) {
			connectionFailed("no-welcome", "the host did not answer Hello within " + options.helloTimeout().toMillis()
					+ " ms, or closed the connection");
		}
		candidate.closeNow();
		return Attempt.FAILED;
	}

	private Attempt tryToHost() {
		HostServer server;
		try {
			server = bindHost(true);
		}
		catch (IOException ex) {
			connectionProblem = "no host answers and this process could not become the host: " + LogSafe.escape(ex);
			warnings.warn("host-bind", "Could not become the host at {}: {}", options.addressDescription(),
					LogSafe.escape(ex));
			return Attempt.FAILED;
		}
		if (server == null) {
			return Attempt.FAILED;
		}
		stateLock.lock();
		try {
			if (closed) {
				server.close(System.nanoTime() + options.closeTimeout().toNanos());
				return Attempt.FAILED;
			}
			host = server;
			connectionProblem = null;
			subscriptions.hostUp(server);
			server.start();
			stateChanged.signalAll();
		}
		finally {
			stateLock.unlock();
		}
		log.info("IPC socket transport: no live host answered, {} now hosts {}", options.endpoint(),
				options.addressDescription());
		return Attempt.HOSTING;
	}

	/**
	 * Binds the host's address.
	 * @param auto whether losing a race to another would-be host is expected (then
	 * {@code null} is returned)
	 */
	private @Nullable HostServer bindHost(boolean auto) throws IOException {
		if (options.isUnix()) {
			UnixSocketFiles.prepareDirectory(options.unixSocket());
			UnixSocketFiles.HostLock lock = UnixSocketFiles.tryLock(options.unixSocket());
			if (lock == null) {
				if (auto) {
					return null;
				}
				throw new IOException("Another host holds " + UnixSocketFiles.lockFile(options.unixSocket()));
			}
			try {
				return HostServer.bindUnix(this, lock);
			}
			catch (HostServer.LiveHostException ex) {
				lock.close();
				if (auto) {
					return null;
				}
				throw ex;
			}
			catch (IOException | RuntimeException ex) {
				lock.close();
				throw ex;
			}
		}
		try {
			return HostServer.bindTcp(this);
		}
		catch (BindException ex) {
			if (auto) {
				return null;
			}
			throw ex;
		}
	}

	/** Sleeps unless closing. @return false if the transport closed meanwhile */
	private boolean pauseUntilClosed(long nanos) throws InterruptedException {
		long deadline = System.nanoTime() + nanos;
		stateLock.lock();
		try {
			while (!closed) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return true;
				}
				stateChanged.awaitNanos(remaining);
			}
			return false;
		}
		finally {
			stateLock.unlock();
		}
	}

	private void signalStateChange() {
		stateLock.lock();
		try {
			stateChanged.signalAll();
		}
		finally {
			stateLock.unlock();
		}
	}

	// ------------------------------------------------------------------ for HostServer
	// and PeerLink

	String threadPrefix() {
		return threadPrefix;
	}

	PeerSubscriptions subscriptions() {
		return subscriptions;
	}

	Counters counters() {
		return counters;
	}

	void publish(IncomingMessage message) {
		if (!holding && fanout.receiverCount() > 0) {
			fanout.publish(message);
			return;
		}
		boolean overflow = false;
		heldLock.lock();
		try {
			if (!holding && fanout.receiverCount() > 0) {
				fanout.publish(message);
				return;
			}
			holding = true;
			if (held.size() >= heldCapacity || heldBytes + message.payload().length > heldMaxBytes) {
				overflow = true;
			}
			else {
				held.addLast(message);
				heldBytes += message.payload().length;
				counters.heldUntilSubscribed.incrementAndGet();
			}
		}
		finally {
			heldLock.unlock();
		}
		if (overflow) {
			counters.noReceiverDrops.incrementAndGet();
			Endpoint from = message.source().toEndpoint();
			dropped(DropReason.TRANSPORT_OVERFLOW, from);
			warnings.warn("no-receiver",
					"Dropping a message from {}: no receiver is subscribed to the transport of {} "
							+ "and {} messages are already held for the first one",
					LogSafe.escape(from), options.endpoint(), heldCapacity);
		}
	}

	RateLimitedLog warnings() {
		return warnings;
	}

	/**
	 * Runs {@code task} on the loop after {@code delayNanos} (at once once the loop has
	 * ended).
	 */
	IoLoop.Timer schedule(Runnable task, long delayNanos) {
		return loop.schedule(task, delayNanos);
	}

	IoLoop loop() {
		return loop;
	}

	/** Refuses a frame the receiving side would have to reject as oversized. */
	void checkSize(byte[] frame) {
		checkSize(FrameCodec.bodyLength(frame));
	}

	/**
	 * Refuses a frame body of {@code bodyLength} bytes the receiving side would have to
	 * reject as oversized.
	 */
	void checkSize(int bodyLength) {
		if (bodyLength > options.maxFrameBytes() - SOURCE_RESERVE) {
			throw new IpcException(ErrorKind.OTHER, "Message too large for the socket transport: " + bodyLength
					+ " bytes, the limit is " + (options.maxFrameBytes() - SOURCE_RESERVE));
		}
	}

	void dropped(DropReason reason, @Nullable Endpoint peer) {
		try {
			options.listener().messageDropped(reason, peer);
		}
		catch (RuntimeException ex) {
			warnings.warn("listener", "Event listener failed: {}", ex.toString());
		}
	}

	void fireDisconnected(Endpoint endpoint) {
		subscriptions.peerLeft(endpoint);
		for (Consumer<Endpoint> listener : disconnectListeners) {
			try {
				listener.accept(endpoint);
			}
			catch (RuntimeException ex) {
				log.warn("Disconnect listener failed", ex);
			}
		}
	}

	/** The connection to the host dropped: every remote endpoint is gone. */
	void linkLost(PeerLink lost, List<Endpoint> gone) {
		if (!closed) {
			log.info("IPC socket transport: {} lost its connection to the host at {}; reconnecting", options.endpoint(),
					options.addressDescription());
		}
		subscriptions.linkLost();
		signalStateChange();
		for (Endpoint endpoint : gone) {
			fireDisconnected(endpoint);
		}
	}

	private static String label(Endpoint endpoint) {
		String raw = (endpoint instanceof Endpoint.Named named) ? named.name() : endpoint.toString();
		StringBuilder sb = new StringBuilder();
		for (int i = 0; i < raw.length() && sb.length() < 32; i++) {
			char c = raw.charAt(i);
			sb.append((Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.') ? c : '_');
		}
		return sb.toString();
	}

}
