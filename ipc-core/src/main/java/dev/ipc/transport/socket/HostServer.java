package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.LogSafe;
import dev.ipc.event.DropReason;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;

/**
 * The host side: accepts connections, checks the peer's OS user, registers each
 * connection's endpoint from its {@code Hello}, keeps every peer informed of who is
 * connected, stamps {@link Source} from the registration on everything it delivers and
 * routes messages between peers. Accepting and frame handling run on the transport's
 * {@link IoLoop} and never block: routing only queues on the target connection, which the
 * loop writes once after the batch of frames it is handling. This class accepts, admits
 * and registers connections; addressed messages go through {@link HostRouter},
 * publications through {@link HostPublications}, and the subscription table is
 * {@link HostSubscriptions}.
 */
final class HostServer implements Connection.Listener, IoLoop.Handler {

	private static final Logger log = LoggerFactory.getLogger(HostServer.class);

	/** The reject reasons of the protocol. */
	static final String REASON_UNSUPPORTED_VERSION = "UnsupportedVersion";

	static final String REASON_ENDPOINT_IN_USE = "EndpointInUse";

	static final String REASON_USER_NOT_ALLOWED = "UserNotAllowed";

	static final String REASON_TOO_MANY_CONNECTIONS = "TooManyConnections";

	static final String REASON_PROTOCOL_ERROR = "ProtocolError";

	static final String REASON_HELLO_TIMEOUT = "HelloTimeout";

	static final String REASON_INVALID_ENDPOINT = "InvalidEndpoint";

	/** Where a connection's slot is counted (guarded by {@link #registry}). */
	private enum Slot {

		PENDING, REGISTERED, RELEASED

	}

	/** A connection's state on the host. */
	private static final class PeerState {

		final @Nullable String user;

		/**
		 * Whose quota the connection counts against: {@code uid:<name>} (Unix) or
		 * {@code ip:<address>} (TCP).
		 */
		final String quotaKey;

		final long admittedNanos = System.nanoTime();

		volatile @Nullable Registration registration;

		volatile IoLoop.@Nullable Timer helloTimer;

		volatile boolean rejected;

		/** Guarded by the registry lock. */
		Slot slot = Slot.PENDING;

		PeerState(@Nullable String user, String quotaKey) {
			this.user = user;
			this.quotaKey = quotaKey;
		}

	}

	/** A registered connection: its endpoint and the source stamped on what it sends. */
	record Registration(Endpoint endpoint, Source source, byte[] sourceBytes, int id, int version) {

		boolean compact() {
			return version >= FrameCodec.VERSION_COMPACT;
		}

		boolean pubsub() {
			return version >= FrameCodec.VERSION_PUBSUB;
		}

	}

	/** The id that names the host itself in compact frames. */
	static final int HOST_ID = 0;

	private final SocketTransport transport;

	private final SocketTransportOptions options;

	private final ServerSocketChannel server;

	private final UnixSocketFiles.@Nullable HostLock lock;

	private final @Nullable Path socketFile;

	private final Endpoint self;

	private final Source selfSource;

	private final byte[] selfSourceBytes;

	private final IoLoop loop;

	private final HostSubscriptions subscriptions;

	private final HostRouter router;

	private @Nullable SelectionKey acceptKey;

	private final ReentrantLock registry = new ReentrantLock();

	private final ConcurrentHashMap<Endpoint, Connection> peers = new ConcurrentHashMap<>();

	/** Registered connections by their compact-frame id. */
	private final ConcurrentHashMap<Integer, Connection> byId = new ConcurrentHashMap<>();

	/**
	 * The next compact-frame id (guarded by {@link #registry}); ids are not reused while
	 * the host runs.
	 */
	private int nextId = HOST_ID + 1;

	private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

	/**
	 * Connections that have not registered yet, oldest first (guarded by
	 * {@link #registry}).
	 */
	private final LinkedHashSet<Connection> pending = new LinkedHashSet<>();

	/** Registered connections (guarded by {@link #registry}). */
	private final Set<Connection> registered = new HashSet<>();

	/** Per quota key: [pending, registered] (guarded by {@link #registry}). */
	private final HashMap<String, int[]> perUser = new HashMap<>();

	private volatile boolean closed;

	private final RateLimitedLog warnings = new RateLimitedLog(log);

	private static final int MAX_ACCEPTS_PER_WAKEUP = 64;

	private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private HostServer(SocketTransport transport, ServerSocketChannel server, UnixSocketFiles.@Nullable HostLock lock,
			@Nullable Path socketFile, @Nullable String ownUser) {
		this.transport = transport;
		this.options = transport.options();
		this.server = server;
		this.lock = lock;
		this.socketFile = socketFile;
		this.self = options.endpoint();
		this.selfSource = sourceFor(self, ownUser);
		this.selfSourceBytes = FrameCodec.sourceBytes(selfSource);
		this.loop = transport.loop();
		this.subscriptions = new HostSubscriptions(self, this::closeStuck);
		this.router = new HostRouter(this);
	}

	/**
	 * Binds the Unix socket; the caller holds the host lock, so an existing socket file
	 * is stale and is replaced unless, against all odds, something answers on it.
	 */
	static HostServer bindUnix(SocketTransport transport, UnixSocketFiles.HostLock lock) throws IOException {
		Path path = transport.options().unixSocket();
		if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
			if (UnixSocketFiles.answers(path)) {
				throw new LiveHostException("A live process answers on " + path + "; not replacing it");
			}
			Files.delete(path);
			transport.counters().staleSocketsReplaced.incrementAndGet();
			log.info("Replaced the stale socket file {} left by a host that is gone", path);
		}
		ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			server.bind(UnixDomainSocketAddress.of(path), 128);
			UnixSocketFiles.restrictSocketFile(path);
			UserPrincipal owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
			return new HostServer(transport, server, lock, path, owner.getName());
		}
		catch (IOException | RuntimeException ex) {
			server.close();
			throw ex;
		}
	}

	/** Binds the TCP address. */
	static HostServer bindTcp(SocketTransport transport) throws IOException {
		SocketTransportOptions o = transport.options();
		ServerSocketChannel server = ServerSocketChannel.open();
		try {
			server.bind(new InetSocketAddress(o.tcpHost(), o.tcpPort()), 128);
			return new HostServer(transport, server, null, null, null);
		}
		catch (IOException | RuntimeException ex) {
			server.close();
			throw ex;
		}
	}

	/** Thrown when a live host was found where a stale socket was expected. */
	static final class LiveHostException extends IOException {

		private static final long serialVersionUID = 1L;

		LiveHostException(String message) {
			super(message);
		}

	}

	/** Starts accepting on the loop. */
	void start() {
		loop.execute(() -> {
			if (closed) {
				return;
			}
			try {
				server.configureBlocking(false);
				acceptKey = loop.register(server, SelectionKey.OP_ACCEPT, this);
			}
			catch (IOException ex) {
				if (!closed && server.isOpen()) {
					log.error("Cannot accept connections on {}: {}", options.addressDescription(), ex.toString());
				}
			}
		});
	}

	/** The bound TCP port, or -1 for a Unix socket. */
	int localPort() {
		try {
			return (server.getLocalAddress() instanceof InetSocketAddress inet) ? inet.getPort() : -1;
		}
		catch (IOException ex) {
			return -1;
		}
	}

	Set<Endpoint> reachable() {
		Set<Endpoint> all = new HashSet<>(peers.keySet());
		all.add(self);
		return Set.copyOf(all);
	}

	int peerCount() {
		return peers.size();
	}

	// ------------------------------------------------------------------ accepting

	/**
	 * The listening socket is ready: accepts what is pending (a bounded number per
	 * wake-up).
	 */
	@Override
	public void ready(SelectionKey key) {
		for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP && !closed; i++) {
			SocketChannel channel;
			try {
				channel = server.accept();
			}
			catch (IOException ex) {
				if (closed) {
					return;
				}
				// out of descriptors, typically: stop accepting for a moment instead of
				// spinning on the loop
				warnings.warn("accept", "Accepting a connection failed: {}", LogSafe.of(ex));
				pauseAccepting();
				return;
			}
			if (channel == null) {
				return;
			}
			try {
				admit(channel);
			}
			catch (IOException | RuntimeException ex) {
				log.debug("Admitting a connection failed: {}", ex.toString());
				closeQuietly(channel);
			}
		}
	}

	private void pauseAccepting() {
		SelectionKey key = acceptKey;
		if (key == null || !key.isValid()) {
			return;
		}
		key.interestOps(0);
		loop.schedule(() -> {
			if (!closed && key.isValid()) {
				key.interestOps(SelectionKey.OP_ACCEPT);
			}
		}, ACCEPT_PAUSE_NANOS);
	}

	private void admit(SocketChannel channel) throws IOException {
		String user = null;
		String quotaKey;
		if (socketFile != null) {
			UserPrincipal peerUser = PeerCredentials.peerUser(channel);
			if (peerUser == null || !PeerCredentials.allowed(peerUser, options.allowedUsers())) {
				transport.counters().rejected(REASON_USER_NOT_ALLOWED);
				String name = (peerUser != null) ? peerUser.getName() : "unknown";
				warnings.warn("user", "Refused a connection from OS user '{}' (allowed: {})", LogSafe.of(name),
						options.allowedUsers().isEmpty() ? "this process's user only" : options.allowedUsers());
				rejectRaw(channel, REASON_USER_NOT_ALLOWED, "OS user '" + name + "' is not allowed");
				return;
			}
			user = peerUser.getName();
			quotaKey = "uid:" + user;
		}
		else {
			channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
			quotaKey = (channel.getRemoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null)
					? "ip:" + inet.getAddress().getHostAddress() : "ip:unknown";
		}
		Connection connection = new Connection(loop, channel, transport.threadPrefix(), options.maxFrameBytes(),
				SocketTransportOptions.FIRST_FRAME_MAX_BYTES, options.outboundQueueCapacity(),
				options.outboundQueueMaxBytes(), this);
		PeerState state = new PeerState(user, quotaKey);
		connection.attachment = state;
		Connection evicted;
		registry.lock();
		try {
			if (closed) {
				closeQuietly(channel);
				return;
			}
			int[] mine = perUser.get(quotaKey);
			boolean userFull = mine != null && mine[0] >= options.maxPendingPerUser();
			boolean poolFull = pending.size() >= options.maxPendingConnections();
			evicted = null;
			if (userFull || poolFull) {
				evicted = oldestEvictablePending(userFull ? quotaKey : busiestUser(0));
				if (evicted == null) {
					transport.counters().rejected(REASON_TOO_MANY_CONNECTIONS);
					warnings.warn("pending-cap", "Refused a connection: {} connections are in their handshake ({} of "
							+ "this user), all already refused", pending.size(), (mine != null) ? mine[0] : 0);
					rejectRaw(channel, REASON_TOO_MANY_CONNECTIONS,
							userFull ? "this user holds its maximum of " + options.maxPendingPerUser()
									+ " connections in their handshake"
									: "the host holds its maximum of " + options.maxPendingConnections()
											+ " connections in their handshake");
					return;
				}
				// the newcomer takes the evicted connection's slot at once
				release(evicted, (PeerState) evicted.attachment);
			}
			pending.add(connection);
			perUser.computeIfAbsent(quotaKey, k -> new int[2])[0]++;
			connections.add(connection);
		}
		finally {
			registry.unlock();
		}
		if (evicted != null) {
			transport.counters().evictions.incrementAndGet();
			transport.counters().helloTimeouts.incrementAndGet();
			transport.counters().rejected(REASON_HELLO_TIMEOUT);
			log.debug("Replacing {}, which has sent no Hello for {} ms, by a new connection", evicted,
					TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ((PeerState) evicted.attachment).admittedNanos));
			reject(evicted, REASON_HELLO_TIMEOUT,
					"replaced by a newer connection: no Hello yet and the host's " + "handshake slots were full");
		}
		transport.counters().connectionsAccepted.incrementAndGet();
		state.helloTimer = transport.schedule(() -> helloTimedOut(connection), options.helloTimeout().toNanos());
		connection.start();
		if (closed) {
			connection.closeNow();
		}
	}

	/**
	 * The oldest pending connection of {@code quotaKey} (any user if null), or null.
	 * Under the lock. A full handshake pool gives the newcomer the slot of the connection
	 * that has waited longest for its {@code Hello} (as a SYN cache does): a live peer
	 * sends {@code Hello} right after connecting, so to keep it out an attacker would
	 * have to cycle the whole pool faster than that peer's {@code Hello} arrives, while
	 * refilled slots alone no longer help.
	 */
	private @Nullable Connection oldestEvictablePending(@Nullable String quotaKey) {
		for (Connection c : pending) {
			PeerState s = (PeerState) c.attachment;
			if (s != null && !s.rejected && (quotaKey == null || s.quotaKey.equals(quotaKey))) {
				return c;
			}
		}
		return null;
	}

	/**
	 * The quota key holding the most slots of a kind (0 pending, 1 registered), or null
	 * if none. Under the lock.
	 */
	private @Nullable String busiestUser(int kind) {
		String busiest = null;
		int most = 0;
		for (Map.Entry<String, int[]> e : perUser.entrySet()) {
			if (e.getValue()[kind] > most) {
				most = e.getValue()[kind];
				busiest = e.getKey();
			}
		}
		return busiest;
	}

	/**
	 * The registered connection of {@code quotaKey} silent the longest, if silent long
	 * enough; else null.
	 */
	private @Nullable Connection longestIdleRegistered(@Nullable String quotaKey) {
		long now = System.nanoTime();
		Connection idlest = null;
		long longest = options.idleEvictionAfter().toNanos() - 1;
		for (Connection c : registered) {
			PeerState s = (PeerState) c.attachment;
			long idle = now - c.lastReadNanos();
			if (s != null && (quotaKey == null || s.quotaKey.equals(quotaKey)) && idle > longest) {
				longest = idle;
				idlest = c;
			}
		}
		return idlest;
	}

	/** Gives back a connection's slot (idempotent). Under the lock. */
	private void release(Connection connection, @Nullable PeerState state) {
		if (state == null || state.slot == Slot.RELEASED) {
			return;
		}
		int[] counts = perUser.get(state.quotaKey);
		if (state.slot == Slot.PENDING) {
			pending.remove(connection);
			if (counts != null) {
				counts[0]--;
			}
		}
		else {
			registered.remove(connection);
			if (counts != null) {
				counts[1]--;
			}
		}
		if (counts != null && counts[0] <= 0 && counts[1] <= 0) {
			perUser.remove(state.quotaKey);
		}
		state.slot = Slot.RELEASED;
	}

	/** Counts of the slots in use, for tests: [pending, registered]. */
	int[] slotsInUse() {
		registry.lock();
		try {
			return new int[] { pending.size(), registered.size() };
		}
		finally {
			registry.unlock();
		}
	}

	/**
	 * Best effort: one non-blocking write of a {@code Rejected} frame, then close. Used
	 * before any registration.
	 */
	private static void rejectRaw(SocketChannel channel, String reason, String detail) {
		try {
			channel.configureBlocking(false);
			channel.write(ByteBuffer.wrap(FrameCodec.encode(new Frame.Rejected(reason, detail))));
		}
		catch (IOException ex) {
			// the peer is gone already
		}
		finally {
			closeQuietly(channel);
		}
	}

	private static void closeQuietly(SocketChannel channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// nothing more to do
		}
	}

	private void helloTimedOut(Connection connection) {
		PeerState state = (PeerState) connection.attachment;
		if (state != null && state.registration == null && !state.rejected && connection.isOpen()) {
			transport.counters().helloTimeouts.incrementAndGet();
			transport.counters().rejected(REASON_HELLO_TIMEOUT);
			log.debug("Connection {} sent no Hello within {}; closing it", connection, options.helloTimeout());
			reject(connection, REASON_HELLO_TIMEOUT, "no Hello within " + options.helloTimeout().toMillis() + " ms");
		}
	}

	/**
	 * Sends {@code Rejected}, then closes once it is written (or after the close
	 * timeout).
	 */
	private void reject(Connection connection, String reason, String detail) {
		PeerState state = (PeerState) connection.attachment;
		if (state != null) {
			state.rejected = true;
			IoLoop.Timer timer = state.helloTimer;
			if (timer != null) {
				timer.cancel();
			}
		}
		connection.offer(FrameCodec.encode(new Frame.Rejected(reason, detail)), true);
		connection.closeGracefully();
		transport.schedule(connection::closeNow, options.closeTimeout().toNanos());
	}

	// ------------------------------------------------------------------ frames

	@Override
	public void onFrame(Connection connection, byte[] buffer, int offset, int length) {
		PeerState state = (PeerState) connection.attachment;
		if (state.rejected) {
			return;
		}
		Registration registration = state.registration;
		if (registration != null && registration.compact() && CompactFrames.isCompact(buffer, offset, length)) {
			onCompact(connection, state, registration, buffer, offset, length);
			return;
		}
		Frame frame;
		try {
			frame = FrameCodec.decode(buffer, offset, length);
		}
		catch (FrameCodecException ex) {
			malformed(connection, state, ex.getMessage());
			if (registration == null) {
				transport.counters().rejected(REASON_PROTOCOL_ERROR);
				reject(connection, REASON_PROTOCOL_ERROR,
						"malformed frame before Hello: " + LogSafe.escape(ex.getMessage()));
			}
			return;
		}
		if (registration == null) {
			if (frame instanceof Frame.Hello hello) {
				register(connection, state, hello);
			}
			else {
				transport.counters().rejected(REASON_PROTOCOL_ERROR);
				transport.dropped(DropReason.UNEXPECTED_FRAME, null);
				reject(connection, REASON_PROTOCOL_ERROR, "the first frame must be Hello");
			}
			return;
		}
		if (frame instanceof Frame.Message message) {
			router.route(registration, message.destination(), message.topic(), message.payload());
		}
		else if (frame instanceof Frame.Subscriptions announced && registration.pubsub()) {
			subscriptions.announce(registration.endpoint(), Set.copyOf(announced.topics()));
		}
		else if (frame instanceof Frame.Ping) {
			connection.offer(FrameCodec.pong(), true);
		}
		else if (!(frame instanceof Frame.Pong)) {
			log.debug("Ignoring an unexpected {} frame from {}", frame.getClass().getSimpleName(),
					LogSafe.of(registration.endpoint()));
			transport.dropped(DropReason.UNEXPECTED_FRAME, registration.endpoint());
		}
	}

	private void onCompact(Connection connection, PeerState state, Registration from, byte[] buffer, int offset,
			int length) {
		CompactFrames.Data data;
		try {
			data = CompactFrames.decode(buffer, offset, length);
		}
		catch (FrameCodecException ex) {
			malformed(connection, state, ex.getMessage());
			return;
		}
		if (data.type() == CompactFrames.PUBLISH && from.pubsub()) {
			HostPublications.relay(this, from, data);
			return;
		}
		if (data.type() != CompactFrames.MESSAGE) {
			malformed(connection, state, "a peer may not send a compact " + data.type() + " frame");
			return;
		}
		router.routeCompact(from, data);
	}

	private void malformed(Connection connection, PeerState state, @Nullable String why) {
		transport.counters().malformedFrames.incrementAndGet();
		Registration registration = state.registration;
		Endpoint peer = (registration != null) ? registration.endpoint() : null;
		transport.dropped(DropReason.MALFORMED_FRAME, peer);
		warnings.warn("malformed", "Dropping a malformed frame from {} ({}): {}",
				(peer != null) ? LogSafe.of(peer) : "an unregistered connection", connection, LogSafe.of(why));
	}

	private void register(Connection connection, PeerState state, Frame.Hello hello) {
		int version = chooseVersion(hello.versions());
		if (version < 0) {
			transport.counters().rejected(REASON_UNSUPPORTED_VERSION);
			reject(connection, REASON_UNSUPPORTED_VERSION,
					"the host speaks versions " + FrameCodec.SUPPORTED_VERSIONS + ", the peer " + hello.versions());
			return;
		}
		Endpoint endpoint = hello.endpoint();
		String nameProblem = EndpointNames.problem(endpoint);
		if (nameProblem != null) {
			transport.counters().rejected(REASON_INVALID_ENDPOINT);
			warnings.warn("invalid-endpoint", "Refused to register {}: {}", LogSafe.of(endpoint), nameProblem);
			reject(connection, REASON_INVALID_ENDPOINT, nameProblem);
			return;
		}
		List<Connection> stuck = new ArrayList<>();
		Connection evicted = null;
		registry.lock();
		try {
			if (closed || !connection.isOpen() || state.slot != Slot.PENDING) {
				return;
			}
			if (endpoint.equals(self) || peers.containsKey(endpoint)) {
				transport.counters().rejected(REASON_ENDPOINT_IN_USE);
				warnings.warn("in-use", "Refused a second connection claiming {}", LogSafe.of(endpoint));
				reject(connection, REASON_ENDPOINT_IN_USE, endpoint + " is already connected");
				return;
			}
			int[] mine = perUser.get(state.quotaKey);
			boolean userFull = mine != null && mine[1] >= options.maxConnectionsPerUser();
			if (userFull || registered.size() >= options.maxConnections()) {
				evicted = longestIdleRegistered(userFull ? state.quotaKey : busiestUser(1));
				if (evicted == null) {
					transport.counters().rejected(REASON_TOO_MANY_CONNECTIONS);
					warnings.warn("cap",
							"Refused to register {}: {} peers are registered ({} of this user), none idle " + "for {}",
							LogSafe.of(endpoint), registered.size(), (mine != null) ? mine[1] : 0,
							options.idleEvictionAfter());
					reject(connection, REASON_TOO_MANY_CONNECTIONS,
							userFull ? "this user holds its maximum of " + options.maxConnectionsPerUser()
									+ " connections"
									: "the host holds its maximum of " + options.maxConnections() + " connections");
					return;
				}
				// the newcomer takes the evicted connection's slot at once; its departure
				// is announced when it closes
				release(evicted, (PeerState) evicted.attachment);
			}
			pending.remove(connection);
			registered.add(connection);
			perUser.computeIfAbsent(state.quotaKey, k -> new int[2])[0]--;
			perUser.get(state.quotaKey)[1]++;
			state.slot = Slot.REGISTERED;
			Source source = sourceFor(endpoint, state.user);
			Registration registration = new Registration(endpoint, source, FrameCodec.sourceBytes(source), nextId,
					version);
			nextId = (nextId == Integer.MAX_VALUE) ? HOST_ID + 1 : nextId + 1;
			state.registration = registration;
			IoLoop.Timer timer = state.helloTimer;
			if (timer != null) {
				timer.cancel();
			}
			List<Endpoint> others = new ArrayList<>(peers.keySet());
			List<Connection> otherConnections = new ArrayList<>(peers.values());
			peers.put(endpoint, connection);
			byId.put(registration.id(), connection);
			connection.offer(FrameCodec.encode(new Frame.Welcome(version, self, others)), true);
			if (registration.compact()) {
				connection.offer(FrameCodec.bind(HOST_ID, selfSourceBytes), true);
				// its own id too: a peer may address itself
				connection.offer(FrameCodec.bind(registration.id(), registration.sourceBytes()), true);
				for (Connection other : otherConnections) {
					Registration r = registrationOf(other);
					if (r != null) {
						connection.offer(FrameCodec.bind(r.id(), r.sourceBytes()), true);
					}
				}
			}
			if (registration.pubsub()) {
				stuck.addAll(subscriptions.joined(endpoint, connection));
			}
			byte[] joined = FrameCodec.encode(new Frame.PeerJoined(endpoint));
			byte[] bind = FrameCodec.bind(registration.id(), registration.sourceBytes());
			for (Connection other : otherConnections) {
				Registration r = registrationOf(other);
				boolean full = r != null && r.compact() && other.offer(bind, true) == Connection.Offer.FULL;
				if (full || other.offer(joined, true) == Connection.Offer.FULL) {
					stuck.add(other);
				}
			}
		}
		finally {
			registry.unlock();
		}
		if (evicted != null) {
			transport.counters().evictions.incrementAndGet();
			warnings.warn("evicted",
					"Evicted {} ({}), silent for {} ms, to register {}: the host's connection slots " + "were full",
					LogSafe.of(endpointOf(evicted)), evicted,
					TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - evicted.lastReadNanos()), LogSafe.of(endpoint));
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, endpointOf(evicted));
			evicted.closeNow();
		}
		log.debug("Registered {} on {} (OS user {})", LogSafe.of(endpoint), connection, LogSafe.of(state.user));
		closeStuck(stuck);
	}

	private static int chooseVersion(List<Integer> offered) {
		int best = -1;
		for (int v : offered) {
			if (FrameCodec.SUPPORTED_VERSIONS.contains(v) && v > best) {
				best = v;
			}
		}
		return best;
	}

	/**
	 * Connections so far behind that not even a presence update fits are closed; they
	 * reconnect afresh.
	 */
	private void closeStuck(List<Connection> stuck) {
		for (Connection connection : stuck) {
			transport.counters().overflowDrops.incrementAndGet();
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, endpointOf(connection));
			warnings.warn("stuck", "Closing {}: its outbound queue is full even for presence updates", connection);
			connection.closeNow();
		}
	}

	static @Nullable Registration registrationOf(Connection connection) {
		PeerState state = (PeerState) connection.attachment;
		return (state != null) ? state.registration : null;
	}

	private static @Nullable Endpoint endpointOf(Connection connection) {
		PeerState state = (PeerState) connection.attachment;
		Registration registration = (state != null) ? state.registration : null;
		return (registration != null) ? registration.endpoint() : null;
	}

	@Override
	public void onOversized(Connection connection, long length, int limit) {
		transport.counters().oversizedFrames.incrementAndGet();
		Endpoint peer = endpointOf(connection);
		transport.dropped(DropReason.OVERSIZED_FRAME, peer);
		warnings.warn("oversized", "Closing {} ({}): it announced a {}-byte frame, the limit is {}", connection,
				(peer != null) ? LogSafe.of(peer) : "unregistered", length, limit);
		if (peer == null) {
			// closed without an answer, as every oversized frame (the reader stops right
			// after this)
			transport.counters().rejected(REASON_PROTOCOL_ERROR);
		}
	}

	@Override
	public void onTruncated(Connection connection) {
		transport.counters().malformedFrames.incrementAndGet();
		transport.dropped(DropReason.MALFORMED_FRAME, endpointOf(connection));
		log.debug("{} ended inside a frame", connection);
	}

	@Override
	public void onClosed(Connection connection) {
		connections.remove(connection);
		PeerState state = (PeerState) connection.attachment;
		if (state == null) {
			return;
		}
		IoLoop.Timer timer = state.helloTimer;
		if (timer != null) {
			timer.cancel();
		}
		// read the registration under the registry lock: register() either completed
		// before (and is undone here)
		// or runs after and sees the connection closed
		Registration registration;
		boolean removed = false;
		List<Connection> stuck = new ArrayList<>();
		registry.lock();
		try {
			registration = state.registration;
			if (registration != null) {
				removed = peers.remove(registration.endpoint(), connection);
				byId.remove(registration.id(), connection);
			}
			if (removed) {
				subscriptions.left(registration.endpoint(), connection);
			}
			if (removed && !closed) {
				byte[] left = FrameCodec.encode(new Frame.PeerLeft(registration.endpoint()));
				for (Connection other : peers.values()) {
					if (other.offer(left, true) == Connection.Offer.FULL) {
						stuck.add(other);
					}
				}
			}
		}
		finally {
			registry.unlock();
		}
		if (removed) {
			log.debug("{} disconnected", LogSafe.of(registration.endpoint()));
			FrameCodec.forget(registration.endpoint(), registration.source());
			transport.fireDisconnected(registration.endpoint());
		}
		closeStuck(stuck);
	}

	@Override
	public void onReaderDone(Connection connection) {
		registry.lock();
		try {
			release(connection, (PeerState) connection.attachment);
		}
		finally {
			registry.unlock();
		}
	}

	// ------------------------------------------------------------------ publications
	// (the logic is in HostPublications and HostSubscriptions)

	/** The host's own client sends: see {@link HostRouter#sendOwn}. */
	void send(OutgoingMessage message) {
		router.sendOwn(message);
	}

	byte[] selfSourceBytes() {
		return selfSourceBytes;
	}

	HostSubscriptions subscriptions() {
		return subscriptions;
	}

	SocketTransport transport() {
		return transport;
	}

	Endpoint self() {
		return self;
	}

	Source selfSource() {
		return selfSource;
	}

	@Nullable Connection connectionOf(Endpoint endpoint) {
		return peers.get(endpoint);
	}

	@Nullable Connection connectionOf(int id) {
		return byId.get(id);
	}

	boolean isClosed() {
		return closed;
	}

	/** Whether {@code connection} negotiated publications, and its endpoint and id. */
	static @Nullable Endpoint pubsubEndpointOf(Connection connection) {
		Registration r = registrationOf(connection);
		return (r != null && r.pubsub()) ? r.endpoint() : null;
	}

	/** The host's own client publishes: one copy to a subscriber. */
	void sendPublished(OutgoingMessage message) {
		HostPublications.sendOwn(this, message);
	}

	static Source sourceFor(Endpoint endpoint, @Nullable String user) {
		if (endpoint instanceof Endpoint.Named named) {
			return new Source.Named(named.name(), user);
		}
		return Source.of(endpoint);
	}

	// ------------------------------------------------------------------ closing

	/**
	 * Stops accepting, lets queued frames drain until {@code deadlineNanos}, closes
	 * everything, removes the socket.
	 */
	void close(long deadlineNanos) {
		registry.lock();
		try {
			closed = true;
		}
		finally {
			registry.unlock();
		}
		try {
			server.close();
		}
		catch (IOException ex) {
			log.debug("Closing the server socket failed: {}", ex.toString());
		}
		List<Connection> all = new ArrayList<>(connections);
		for (Connection connection : all) {
			connection.closeGracefully();
		}
		try {
			for (Connection connection : all) {
				connection.awaitWriter(deadlineNanos);
				connection.closeNow();
			}
			for (Connection connection : all) {
				if (!connection.awaitThreads(deadlineNanos)) {
					log.warn("The frame handling of {} did not end in time", connection);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			for (Connection connection : all) {
				connection.closeNow();
			}
		}
		if (socketFile != null) {
			try {
				Files.deleteIfExists(socketFile);
			}
			catch (IOException ex) {
				log.warn("Could not remove the socket file {}: {}", socketFile, ex.toString());
			}
		}
		if (lock != null) {
			lock.close();
		}
	}

}
