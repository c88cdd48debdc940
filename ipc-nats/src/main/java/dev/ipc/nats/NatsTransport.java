package dev.ipc.nats;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;

import dev.ipc.client.NamedThreadFactory;
import dev.ipc.event.DropReason;
import dev.ipc.internal.LogLimiter;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.transport.DisconnectListeners;
import dev.ipc.transport.ReceiverFanout;

/**
 * A {@link CommunicationBackend} over NATS (docs/nats.md): each endpoint publishes its
 * messages on {@code ipc.<namespace>.<destination>.<self>} and receives on
 * {@code ipc.<namespace>.<self>.*}; the receiver stamps the {@link Source} from the
 * subject's last token, which the server's permissions can make trustworthy
 * ({@link SourceTrust}). Endpoints announce themselves on
 * {@code ipc.<namespace>._presence.<self>}, so {@link #send} to an endpoint that is not
 * present fails at once with {@link IpcUnreachableException}, and a peer that says
 * goodbye, falls silent for {@link NatsTransportOptions#presenceTimeout()} or restarts is
 * reported to the {@linkplain #addDisconnectListener disconnect listeners} (the client
 * then fails the RPCs pending on it).
 *
 * <p>
 * The client reconnects forever, to the same or another server of the list or cluster,
 * and keeps its subscriptions. While it is disconnected every send fails with
 * {@link IpcUnreachableException} (nothing is buffered to go out later) and every peer
 * counts as departed, so pending RPCs fail promptly; after the reconnect the peers
 * announce themselves again and sessions start afresh. Messages the server accepted are
 * delivered at most once.
 *
 * <p>
 * Incoming messages that are malformed or larger than
 * {@link NatsTransportOptions#maxMessageBytes()} are dropped and reported to
 * {@link NatsTransportOptions#listener()}. Threads: jnats' reader, writer and dispatcher
 * threads and one presence timer, all named {@code ipc-nats-<endpoint>-...}, stopped by
 * {@link #close()}.
 */
public final class NatsTransport implements CommunicationBackend {

	private static final Logger log = LoggerFactory.getLogger(NatsTransport.class);

	/**
	 * Most endpoints tracked at once (presence notices from further names are ignored).
	 */
	static final int MAX_PEERS = 4096;

	private static final int DISPATCH_PENDING_MESSAGES = 10_000;

	private static final long DISPATCH_PENDING_BYTES = 64L * 1024 * 1024;

	private final NatsTransportOptions options;

	private final String self;

	private final String namespace;

	private final Endpoint.Named selfEndpoint;

	private final @Nullable String vouchedUser;

	private final String inboxPrefix;

	private final String presencePrefix;

	private final String presenceSubject;

	private final String probeSubject;

	private final String subscriptionsPrefix;

	private final NatsSubscriptions subscriptions;

	private final long instance;

	private final AtomicLong epoch = new AtomicLong();

	private final ReceiverFanout fanout;

	private final PeerTable peers = new PeerTable(MAX_PEERS);

	/**
	 * The {@link Source} stamped for each source token seen, so a message costs no
	 * allocation for it (bounded).
	 */
	private final ConcurrentHashMap<String, Source> sources = new ConcurrentHashMap<>();

	private final DisconnectListeners disconnectListeners = new DisconnectListeners();

	private final ScheduledExecutorService timer;

	private final ExecutorService natsExecutor;

	/**
	 * jnats' connection-event callbacks and (re)connect work: ours, so that
	 * {@link #close()} ends their threads.
	 */
	private final ExecutorService callbackExecutor;

	private final ExecutorService connectExecutor;

	private final LogLimiter warnings = new LogLimiter(TimeUnit.SECONDS.toNanos(10));

	private final AtomicBoolean announced = new AtomicBoolean();

	private final AtomicBoolean closed = new AtomicBoolean();

	private final AtomicLong sent = new AtomicLong();

	private final AtomicLong received = new AtomicLong();

	private final AtomicLong malformed = new AtomicLong();

	private final AtomicLong oversized = new AtomicLong();

	private final AtomicLong refused = new AtomicLong();

	private final AtomicLong violations = new AtomicLong();

	private final CountDownLatch probeRefused = new CountDownLatch(1);

	private volatile boolean connected;

	private volatile @Nullable String connectionProblem;

	private volatile @Nullable Connection connection;

	private volatile @Nullable Dispatcher dispatcher;

	private NatsTransport(NatsTransportOptions options) {
		this.options = options;
		this.selfEndpoint = options.endpoint();
		this.self = selfEndpoint.name();
		this.namespace = options.namespace();
		this.vouchedUser = (options.sourceTrust() == SourceTrust.BROKER_ENFORCED) ? NatsSources.BROKER_VOUCHED_USER
				: null;
		this.inboxPrefix = NatsSubjects.ROOT + "." + namespace + "." + self + ".";
		this.presencePrefix = NatsSubjects.ROOT + "." + namespace + "." + NatsSubjects.PRESENCE + ".";
		this.presenceSubject = NatsSubjects.presence(namespace, self);
		this.probeSubject = NatsSubjects.probe(namespace);
		this.subscriptionsPrefix = NatsSubjects.ROOT + "." + namespace + "." + NatsSubjects.SUBSCRIPTIONS + ".";
		this.subscriptions = new NatsSubscriptions(self, MAX_PEERS);
		long id = 0;
		SecureRandom random = new SecureRandom();
		while (id == 0) {
			id = random.nextLong();
		}
		this.instance = id;
		this.fanout = new ReceiverFanout(options.receiverCapacity());
		String prefix = "ipc-nats-" + self;
		this.timer = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory(prefix + "-presence"));
		this.natsExecutor = Executors.newCachedThreadPool(new NamedThreadFactory(prefix));
		this.callbackExecutor = Executors.newSingleThreadExecutor(new NamedThreadFactory(prefix + "-callback"));
		this.connectExecutor = Executors.newSingleThreadExecutor(new NamedThreadFactory(prefix + "-connect"));
	}

	/**
	 * Connects to one of the servers (trying each in turn) and starts tracking presence.
	 * This endpoint announces itself once a receiver {@linkplain #subscribe() subscribes}
	 * (the client's start), so no peer sends to it before something reads.
	 * @throws IOException if no server could be reached or the credentials were refused
	 * @throws IllegalStateException if {@link SourceTrust#BROKER_ENFORCED} is set but the
	 * server let this endpoint publish on a subject that is not its own (its permissions
	 * do not vouch for sources)
	 */
	public static NatsTransport open(NatsTransportOptions options) throws IOException {
		Objects.requireNonNull(options, "options");
		NatsTransport transport = new NatsTransport(options);
		try {
			transport.connect();
			return transport;
		}
		catch (IOException | RuntimeException ex) {
			transport.close();
			throw ex;
		}
	}

	private void connect() throws IOException {
		Options natsOptions = natsOptions();
		Connection conn;
		try {
			conn = Nats.connect(natsOptions);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted while connecting to NATS", ex);
		}
		this.connection = conn;
		this.connected = conn.getStatus() == Connection.Status.CONNECTED;
		Dispatcher d = conn.createDispatcher(this::onMessage);
		d.setPendingLimits(DISPATCH_PENDING_MESSAGES, DISPATCH_PENDING_BYTES);
		d.subscribe(NatsSubjects.presenceWildcard(namespace));
		d.subscribe(NatsSubjects.subscriptionsWildcard(namespace));
		this.dispatcher = d;
		if (options.sourceTrust() == SourceTrust.BROKER_ENFORCED) {
			checkPermissions(conn);
		}
		long interval = options.presenceInterval().toNanos();
		timer.scheduleAtFixedRate(this::tick, interval, interval, TimeUnit.NANOSECONDS);
		log.debug("IPC NATS transport of {} connected to {} (namespace {})", self, conn.getConnectedUrl(), namespace);
	}

	private Options natsOptions() {
		String prefix = "ipc-nats-" + self;
		Options.Builder b = new Options.Builder().servers(options.servers().toArray(new String[0]))
			.connectionName("ipc." + namespace + "." + self)
			.noEcho()
			.maxReconnects(-1)
			.reconnectWait(options.reconnectWait())
			.connectionTimeout(options.connectionTimeout())
			.pingInterval(options.pingInterval())
			.reconnectBufferSize(0) // while disconnected a send fails instead of going
									// out later
			.errorListener(new Errors())
			.connectionListener(this::connectionEvent)
			.executor(natsExecutor)
			.connectExecutor(connectExecutor)
			.callbackExecutor(callbackExecutor)
			.readerThreadFactory(new NamedThreadFactory(prefix + "-reader"))
			.writerThreadFactory(new NamedThreadFactory(prefix + "-writer"));
		char[] secret = options.secret();
		switch (options.auth()) {
			case USER_PASSWORD ->
				b.userInfo(Objects.requireNonNull(options.username()).toCharArray(), Objects.requireNonNull(secret));
			case TOKEN -> b.token(Objects.requireNonNull(secret));
			case NKEY -> b.authHandler(Nats.staticCredentials(null, Objects.requireNonNull(secret)));
			case CREDENTIALS_FILE ->
				b.authHandler(Nats.credentials(Objects.requireNonNull(options.credentialsFile()).toString()));
			case NONE -> {
			}
		}
		if (options.sslContext() != null) {
			b.sslContext(options.sslContext());
		}
		return b.build();
	}

	/**
	 * Publishes on a subject no endpoint may use and waits for the server to refuse it.
	 */
	private void checkPermissions(Connection conn) throws IOException {
		conn.publish(probeSubject, new byte[0]);
		try {
			conn.flush(options.probeTimeout());
			if (!probeRefused.await(options.probeTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
				throw new IllegalStateException("Source trust is BROKER_ENFORCED, but the NATS server let endpoint '"
						+ self + "' publish on " + probeSubject + ": its permissions do not restrict publishing to "
						+ NatsSubjects.ROOT + "." + namespace + ".*." + self + ", so sources would not be vouched for "
						+ "(generate the permissions with NatsPermissions, see docs/nats.md)");
			}
		}
		catch (TimeoutException ex) {
			throw new IOException("The NATS server did not answer the permissions check in time", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted during the permissions check", ex);
		}
	}

	// ---------------------------------------------------------------- sending

	/**
	 * Publishes {@code message} to its destination.
	 * @throws IpcUnreachableException if the destination is not a present endpoint of
	 * this namespace, or the client is not connected to a server now
	 * @throws IpcClosedException if the transport is closed
	 * @throws IpcException ({@link ErrorKind#OTHER}) if the message is larger than the
	 * limit or its topic too long
	 */
	@Override
	public void send(OutgoingMessage message) {
		send(message, false);
	}

	/**
	 * {@inheritDoc} Each member announces its topics on
	 * {@code ipc.<namespace>._subs.<self>} and keeps a table of the others'
	 * (docs/nats.md, "Publications").
	 */
	@Override
	public boolean supportsPublish() {
		return true;
	}

	@Override
	public void announceSubscriptions(Set<String> topics) {
		Objects.requireNonNull(topics, "topics");
		byte[] announcement = subscriptions.announce(topics);
		publishSubscriptions(announcement);
	}

	@Override
	public Set<Endpoint> subscribersOf(String topic) {
		Objects.requireNonNull(topic, "topic");
		return subscriptions.subscribersOf(topic);
	}

	@Override
	public void sendPublished(OutgoingMessage message) {
		if (message.topic() == null) {
			throw new IllegalArgumentException("A publication needs a topic");
		}
		send(message, true);
	}

	private void publishSubscriptions(byte @Nullable [] announcement) {
		Connection conn = connection;
		if (announcement == null || conn == null || !connected || closed.get()) {
			return; // the reconnect, or the next newcomer's HELLO, announces again
		}
		try {
			conn.publish(NatsSubjects.subscriptions(namespace, self), announcement);
			sent.incrementAndGet();
		}
		catch (IllegalStateException ex) {
			// disconnected: the reconnect announces again
		}
	}

	private void send(OutgoingMessage message, boolean published) {
		if (closed.get()) {
			throw new IpcClosedException("The NATS transport of " + self + " is closed");
		}
		Endpoint destination = message.destination();
		String token = NatsSubjects.tokenOf(destination);
		if (token == null) {
			refused.incrementAndGet();
			throw new IpcUnreachableException(destination, "not a NATS endpoint name");
		}
		Connection conn = connection;
		if (!connected || conn == null) {
			refused.incrementAndGet();
			throw new IpcUnreachableException(destination, "not connected to a NATS server");
		}
		if (!peers.isPresent(token)) {
			refused.incrementAndGet();
			throw new IpcUnreachableException(destination);
		}
		byte[] body;
		try {
			body = NatsFrame.encode(message.topic(), message.payload(), published);
		}
		catch (IllegalArgumentException ex) {
			throw new IpcException(ErrorKind.OTHER, ex.getMessage());
		}
		if (body.length > options.maxMessageBytes()) {
			throw new IpcException(ErrorKind.OTHER, "Message too large for the NATS transport: " + body.length
					+ " bytes, the limit is " + options.maxMessageBytes());
		}
		publish(conn, NatsSubjects.message(namespace, token, self), body, destination);
	}

	private void publish(Connection conn, String subject, byte[] body, Endpoint destination) {
		try {
			conn.publish(subject, body);
			sent.incrementAndGet();
		}
		catch (IllegalStateException ex) { // disconnected (no reconnect buffer), closed
											// or draining
			refused.incrementAndGet();
			throw new IpcUnreachableException(destination, "the NATS connection is down");
		}
		catch (IllegalArgumentException ex) { // larger than the server's max_payload
			throw new IpcException(ErrorKind.OTHER, "The NATS server refused the message: " + ex.getMessage());
		}
	}

	private void publishPresence(byte kind) {
		Connection conn = connection;
		if (conn == null || !connected) {
			return;
		}
		try {
			conn.publish(presenceSubject, NatsFrame.presence(kind, instance, epoch.get()));
			sent.incrementAndGet();
		}
		catch (IllegalStateException ex) {
			// disconnected: the reconnect announces again
		}
	}

	// ---------------------------------------------------------------- receiving

	/**
	 * A new receiver of every message from now on. The first one makes this endpoint
	 * present: it subscribes to its subjects and announces itself.
	 */
	@Override
	public BackendReceiver subscribe() {
		if (closed.get()) {
			throw new IpcClosedException("The NATS transport of " + self + " is closed");
		}
		BackendReceiver receiver = fanout.subscribe();
		if (announced.compareAndSet(false, true)) {
			Dispatcher d = Objects.requireNonNull(dispatcher);
			d.subscribe(NatsSubjects.inbox(namespace, self));
			publishPresence(NatsFrame.HELLO);
			publishSubscriptions(subscriptions.current());
		}
		return receiver;
	}

	private void onMessage(Message message) {
		String subject = message.getSubject();
		byte[] data = message.getData();
		if (data == null) {
			data = new byte[0];
		}
		String source = NatsSubjects.sourceToken(subject);
		if (source == null) {
			drop(malformed, DropReason.MALFORMED_FRAME, null);
			return;
		}
		Source sender = sourceOf(source);
		Endpoint from = sender.toEndpoint();
		if (data.length > options.maxMessageBytes()) {
			drop(oversized, DropReason.OVERSIZED_FRAME, from);
			return;
		}
		if (subject.startsWith(presencePrefix)) {
			onPresence(source, data, from);
			return;
		}
		if (subject.startsWith(subscriptionsPrefix)) {
			if (!subscriptions.onAnnouncement(source, data)) {
				drop(malformed, DropReason.MALFORMED_FRAME, from);
			}
			return;
		}
		if (!subject.startsWith(inboxPrefix) || subject.indexOf('.', inboxPrefix.length()) >= 0) {
			drop(malformed, DropReason.MALFORMED_FRAME, from);
			return;
		}
		NatsFrame.Body body = NatsFrame.decode(data);
		if (body == null) {
			drop(malformed, DropReason.MALFORMED_FRAME, from);
			return;
		}
		String topic = body.topic();
		if (body.published() && (topic == null || !subscriptions.accepts(topic))) {
			return; // a copy on a topic we no longer subscribe to
		}
		peers.seen(source, System.nanoTime());
		received.incrementAndGet();
		fanout.publish(new IncomingMessage(body.payload(), selfEndpoint, sender, topic,
				body.published() ? DeliveryKind.PUBLISHED : DeliveryKind.ADDRESSED));
	}

	private Source sourceOf(String token) {
		Source cached = sources.get(token);
		if (cached != null) {
			return cached;
		}
		Source created = new Source.Named(token, vouchedUser);
		if (sources.size() < MAX_PEERS) {
			sources.putIfAbsent(token, created);
		}
		return created;
	}

	private void onPresence(String source, byte[] data, Endpoint from) {
		NatsFrame.Presence notice = NatsFrame.decodePresence(data);
		if (notice == null) {
			drop(malformed, DropReason.MALFORMED_FRAME, from);
			return;
		}
		if (source.equals(self)) { // echo is off: another process announces itself under
									// our name
			warnings.warn(log, "duplicate", "Another process announces itself as endpoint '{}' in NATS namespace '{}'; "
					+ "two processes with one name disturb each other's sessions", self, namespace);
			return;
		}
		long now = System.nanoTime();
		switch (notice.kind()) {
			case NatsFrame.HELLO -> {
				departed(peers.announced(source, notice.instance(), notice.epoch(), now));
				if (announced.get()) {
					publishPresence(NatsFrame.HERE); // so the newcomer learns of us at
														// once
					publishSubscriptions(subscriptions.current());
				}
			}
			case NatsFrame.HERE -> departed(peers.announced(source, notice.instance(), notice.epoch(), now));
			default -> departed(peers.left(source, notice.instance()));
		}
	}

	private void tick() {
		try {
			if (announced.get()) {
				publishPresence(NatsFrame.HERE);
			}
			departed(peers.expire(System.nanoTime() - options.presenceTimeout().toNanos()));
		}
		catch (RuntimeException ex) {
			log.warn("IPC NATS presence timer of {} failed", self, ex);
		}
	}

	private void departed(List<String> names) {
		for (String name : names) {
			subscriptions.departed(name);
			disconnectListeners.fire(Endpoint.named(name));
		}
	}

	private void drop(AtomicLong counter, DropReason reason, @Nullable Endpoint peer) {
		counter.incrementAndGet();
		try {
			options.listener().messageDropped(reason, peer);
		}
		catch (RuntimeException ex) {
			warnings.warn(log, "listener", "Event listener failed: {}", ex.toString());
		}
		warnings.warn(log, reason.name(), "IPC NATS transport of {}: dropped a message from {} ({})", self,
				LogSafe.of(peer), reason);
	}

	private void connectionEvent(Connection conn, ConnectionListener.Events event) {
		switch (event) {
			case CONNECTED -> connected = true;
			case RECONNECTED -> {
				epoch.incrementAndGet(); // peers forget our sessions, as we forgot theirs
				connected = true;
				connectionProblem = null;
				log.info("IPC NATS transport of {} reconnected to {}", self, conn.getConnectedUrl());
				if (announced.get()) {
					publishPresence(NatsFrame.HELLO);
					publishSubscriptions(subscriptions.current());
				}
			}
			case DISCONNECTED -> {
				connected = false;
				if (!closed.get()) {
					connectionProblem = "disconnected from the NATS server; reconnecting";
					log.info("IPC NATS transport of {} lost its server; reconnecting", self);
				}
				departed(peers.clear());
			}
			case CLOSED -> {
				connected = false;
				departed(peers.clear());
			}
			default -> {
			}
		}
	}

	/**
	 * jnats' asynchronous errors: permissions violations (counted) and the self-check's
	 * expected refusal.
	 */
	private final class Errors implements ErrorListener {

		@Override
		public void errorOccurred(Connection conn, String error) {
			if (error.contains("Permissions Violation")) {
				if (error.contains(probeSubject)) {
					probeRefused.countDown();
					return;
				}
				violations.incrementAndGet();
				warnings.warn(log, "permissions", "The NATS server refused an operation of endpoint '{}': {}", self,
						LogSafe.escape(error));
				return;
			}
			if (error.contains("Authorization Violation")) {
				connectionProblem = "the NATS server refused the credentials";
			}
			warnings.warn(log, "error", "NATS error for endpoint '{}': {}", self, LogSafe.escape(error));
		}

		@Override
		public void exceptionOccurred(Connection conn, Exception exp) {
			if (!closed.get()) {
				warnings.warn(log, "exception", "NATS connection problem for endpoint '{}': {}", self,
						LogSafe.escape(exp.toString()));
			}
		}

		@Override
		public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
			drop(new AtomicLong(), DropReason.TRANSPORT_OVERFLOW, null);
		}

	}

	// ---------------------------------------------------------------- state

	/** The present endpoints of this namespace (not this one). */
	@Override
	public Set<Endpoint> reachableEndpoints() {
		Set<Endpoint> out = new LinkedHashSet<>();
		for (String name : peers.names()) {
			out.add(Endpoint.named(name));
		}
		return out;
	}

	@Override
	public boolean isConnected() {
		return connected && !closed.get();
	}

	@Override
	public Optional<String> lastConnectionProblem() {
		return isConnected() ? Optional.empty() : Optional.ofNullable(connectionProblem);
	}

	@Override
	public void addDisconnectListener(Consumer<Endpoint> listener) {
		disconnectListeners.add(listener);
	}

	/** The server this client is connected to now, if any. */
	public Optional<String> connectedServer() {
		Connection conn = connection;
		return (conn == null || !connected) ? Optional.empty() : Optional.ofNullable(conn.getConnectedUrl());
	}

	/**
	 * A round trip to the server now (blocks up to the connection timeout); empty when
	 * not connected.
	 */
	public Optional<Duration> roundTripTime() {
		Connection conn = connection;
		if (conn == null || !connected) {
			return Optional.empty();
		}
		try {
			return Optional.of(conn.RTT());
		}
		catch (IOException | RuntimeException ex) {
			return Optional.empty();
		}
	}

	/** This transport's options. */
	public NatsTransportOptions options() {
		return options;
	}

	/** The counters now. */
	public NatsTransportStats stats() {
		Connection conn = connection;
		long reconnects = (conn == null) ? 0 : conn.getStatistics().getReconnects();
		return new NatsTransportStats(isConnected(), connectedServer().orElse(null), reconnects, sent.get(),
				received.get(), malformed.get(), oversized.get(), refused.get(), violations.get(),
				peers.names().size());
	}

	/**
	 * Says goodbye (so peers fail their RPCs to us at once), closes the connection and
	 * stops every thread. Receivers then fail with {@link IpcClosedException}.
	 * Idempotent.
	 */
	@Override
	public void close() {
		if (!closed.compareAndSet(false, true)) {
			return;
		}
		Connection conn = connection;
		if (conn != null) {
			if (announced.get() && connected) {
				try {
					conn.publish(presenceSubject, NatsFrame.presence(NatsFrame.BYE, instance, epoch.get()));
					conn.flush(Duration.ofMillis(500));
				}
				catch (TimeoutException | IllegalStateException ex) {
					// best effort: peers time us out instead
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			try {
				conn.close();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		connected = false;
		timer.shutdownNow();
		natsExecutor.shutdownNow();
		callbackExecutor.shutdown(); // lets the CLOSED event run
		connectExecutor.shutdownNow();
		fanout.close();
		log.debug("IPC NATS transport of {} closed", self);
	}

	@Override
	public String toString() {
		return "NatsTransport[" + namespace + "/" + self + "]";
	}

}
