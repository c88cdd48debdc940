package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;

/**
 * The host side: accepts connections, checks the peer's OS user, registers each connection's endpoint from its
 * {@code Hello}, keeps every peer informed of who is connected, stamps {@link Source} from the registration on
 * everything it delivers and routes messages between peers. Frame handling runs on each connection's reader thread
 * and never blocks: routing only queues on the target connection.
 */
final class HostServer implements Connection.Listener {

	private static final Logger log = LoggerFactory.getLogger(HostServer.class);

	/** The reject reasons of the protocol. */
	static final String REASON_UNSUPPORTED_VERSION = "UnsupportedVersion";

	static final String REASON_ENDPOINT_IN_USE = "EndpointInUse";

	static final String REASON_USER_NOT_ALLOWED = "UserNotAllowed";

	static final String REASON_TOO_MANY_CONNECTIONS = "TooManyConnections";

	static final String REASON_PROTOCOL_ERROR = "ProtocolError";

	static final String REASON_HELLO_TIMEOUT = "HelloTimeout";

	/** A connection's state on the host. */
	private static final class PeerState {

		final @Nullable String user;

		volatile @Nullable Registration registration;

		volatile @Nullable ScheduledFuture<?> helloTimer;

		volatile boolean warnedMalformed;

		volatile boolean rejected;

		PeerState(@Nullable String user) {
			this.user = user;
		}

	}

	/** A registered connection: its endpoint and the source stamped on what it sends. */
	private record Registration(Endpoint endpoint, Source source, byte[] sourceBytes) {
	}

	private final SocketTransport transport;

	private final SocketTransportOptions options;

	private final ServerSocketChannel server;

	private final UnixSocketFiles.@Nullable HostLock lock;

	private final @Nullable Path socketFile;

	private final Endpoint self;

	private final Source selfSource;

	private final byte[] selfSourceBytes;

	private final Thread acceptor;

	private final ReentrantLock registry = new ReentrantLock();

	private final ConcurrentHashMap<Endpoint, Connection> peers = new ConcurrentHashMap<>();

	private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

	private volatile boolean closed;

	private final RateLimitedLog warnings = new RateLimitedLog(log);

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
		this.acceptor = new Thread(this::acceptLoop, transport.threadPrefix() + "-accept");
		this.acceptor.setDaemon(true);
	}

	/**
	 * Binds the Unix socket; the caller holds the host lock, so an existing socket file is stale and is replaced
	 * unless, against all odds, something answers on it.
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

	void start() {
		acceptor.start();
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

	private void acceptLoop() {
		while (!closed) {
			SocketChannel channel;
			try {
				channel = server.accept();
			}
			catch (ClosedChannelException ex) {
				break;
			}
			catch (IOException ex) {
				if (closed) {
					break;
				}
				log.warn("Accepting a connection failed: {}", ex.toString());
				transport.pause(100);
				continue;
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

	private void admit(SocketChannel channel) throws IOException {
		String user = null;
		if (socketFile != null) {
			UserPrincipal peerUser = PeerCredentials.peerUser(channel);
			if (peerUser == null || !PeerCredentials.allowed(peerUser, options.allowedUsers())) {
				transport.counters().connectionsRejected.incrementAndGet();
				String name = (peerUser != null) ? peerUser.getName() : "unknown";
				warnings.warn("user:" + name, "Refused a connection from OS user '{}' (allowed: {})", name,
						options.allowedUsers().isEmpty() ? "this process's user only" : options.allowedUsers());
				rejectRaw(channel, REASON_USER_NOT_ALLOWED, "OS user '" + name + "' is not allowed");
				return;
			}
			user = peerUser.getName();
		}
		else {
			channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
		}
		if (connections.size() >= options.maxConnections()) {
			transport.counters().connectionsRejected.incrementAndGet();
			warnings.warn("cap", "Refused a connection: {} connections already open", connections.size());
			rejectRaw(channel, REASON_TOO_MANY_CONNECTIONS,
					"the host holds its maximum of " + options.maxConnections() + " connections");
			return;
		}
		Connection connection = new Connection(channel, transport.threadPrefix(), options.maxFrameBytes(),
				options.outboundQueueCapacity(), options.outboundQueueMaxBytes(), this);
		PeerState state = new PeerState(user);
		connection.attachment = state;
		connections.add(connection);
		transport.counters().connectionsAccepted.incrementAndGet();
		state.helloTimer = transport.schedule(() -> helloTimedOut(connection), options.helloTimeout().toNanos());
		connection.start();
		if (closed) {
			connection.closeNow();
		}
	}

	/** Best effort: one non-blocking write of a {@code Rejected} frame, then close. Used before any thread exists. */
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
		if (state != null && state.registration == null && connection.isOpen()) {
			transport.counters().helloTimeouts.incrementAndGet();
			log.debug("Connection {} sent no Hello within {}; closing it", connection, options.helloTimeout());
			reject(connection, REASON_HELLO_TIMEOUT, "no Hello within " + options.helloTimeout().toMillis() + " ms");
		}
	}

	/** Sends {@code Rejected}, then closes once it is written (or after the close timeout). */
	private void reject(Connection connection, String reason, String detail) {
		PeerState state = (PeerState) connection.attachment;
		if (state != null) {
			state.rejected = true;
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
		Frame frame;
		try {
			frame = FrameCodec.decode(buffer, offset, length);
		}
		catch (FrameCodecException ex) {
			malformed(connection, state, ex.getMessage());
			if (registration == null) {
				reject(connection, REASON_PROTOCOL_ERROR, "malformed frame before Hello");
			}
			return;
		}
		if (registration == null) {
			if (frame instanceof Frame.Hello hello) {
				register(connection, state, hello);
			}
			else {
				transport.counters().connectionsRejected.incrementAndGet();
				transport.dropped(DropReason.UNEXPECTED_FRAME, null);
				reject(connection, REASON_PROTOCOL_ERROR, "the first frame must be Hello");
			}
			return;
		}
		if (frame instanceof Frame.Message message) {
			route(registration, message);
		}
		else if (frame instanceof Frame.Ping) {
			connection.offer(FrameCodec.pong(), true);
		}
		else if (!(frame instanceof Frame.Pong)) {
			log.debug("Ignoring an unexpected {} frame from {}", frame.getClass().getSimpleName(),
					registration.endpoint());
			transport.dropped(DropReason.UNEXPECTED_FRAME, registration.endpoint());
		}
	}

	private void malformed(Connection connection, PeerState state, @Nullable String why) {
		transport.counters().malformedFrames.incrementAndGet();
		Registration registration = state.registration;
		Endpoint peer = (registration != null) ? registration.endpoint() : null;
		transport.dropped(DropReason.MALFORMED_FRAME, peer);
		if (!state.warnedMalformed) {
			state.warnedMalformed = true;
			log.warn("Dropping a malformed frame from {} ({}): {}; further ones on this connection are logged at debug",
					(peer != null) ? peer : "an unregistered connection", connection, why);
		}
		else {
			log.debug("Dropping a malformed frame from {}: {}", peer, why);
		}
	}

	private void register(Connection connection, PeerState state, Frame.Hello hello) {
		int version = chooseVersion(hello.versions());
		if (version < 0) {
			transport.counters().connectionsRejected.incrementAndGet();
			reject(connection, REASON_UNSUPPORTED_VERSION,
					"the host speaks versions " + FrameCodec.SUPPORTED_VERSIONS + ", the peer " + hello.versions());
			return;
		}
		Endpoint endpoint = hello.endpoint();
		List<Connection> stuck = new ArrayList<>();
		registry.lock();
		try {
			if (closed || !connection.isOpen()) {
				return;
			}
			if (endpoint.equals(self) || peers.containsKey(endpoint)) {
				transport.counters().connectionsRejected.incrementAndGet();
				warnings.warn("in-use:" + endpoint, "Refused a second connection claiming {}", endpoint);
				reject(connection, REASON_ENDPOINT_IN_USE, endpoint + " is already connected");
				return;
			}
			Source source = sourceFor(endpoint, state.user);
			state.registration = new Registration(endpoint, source, FrameCodec.sourceBytes(source));
			ScheduledFuture<?> timer = state.helloTimer;
			if (timer != null) {
				timer.cancel(false);
			}
			List<Endpoint> others = new ArrayList<>(peers.keySet());
			peers.put(endpoint, connection);
			connection.offer(FrameCodec.encode(new Frame.Welcome(version, self, others)), true);
			byte[] joined = FrameCodec.encode(new Frame.PeerJoined(endpoint));
			for (Connection other : peers.values()) {
				if (other != connection && other.offer(joined, true) == Connection.Offer.FULL) {
					stuck.add(other);
				}
			}
		}
		finally {
			registry.unlock();
		}
		log.debug("Registered {} on {} (OS user {})", endpoint, connection, state.user);
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

	/** Connections so far behind that not even a presence update fits are closed; they reconnect afresh. */
	private void closeStuck(List<Connection> stuck) {
		for (Connection connection : stuck) {
			transport.counters().overflowDrops.incrementAndGet();
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, endpointOf(connection));
			log.warn("Closing {}: its outbound queue is full even for presence updates", connection);
			connection.closeNow();
		}
	}

	private static @Nullable Endpoint endpointOf(Connection connection) {
		PeerState state = (PeerState) connection.attachment;
		Registration registration = (state != null) ? state.registration : null;
		return (registration != null) ? registration.endpoint() : null;
	}

	private void route(Registration from, Frame.Message message) {
		Endpoint destination = message.destination();
		if (destination.equals(self)) {
			transport.publish(new IncomingMessage(message.payload(), destination, from.source(), message.topic()));
			return;
		}
		Connection target = peers.get(destination);
		if (target == null) {
			transport.counters().undeliverable.incrementAndGet();
			log.debug("Dropping a message from {} to {}: not connected", from.endpoint(), destination);
			return;
		}
		byte[] frame = FrameCodec.deliver(from.sourceBytes(), FrameCodec.endpointBytes(destination), message.topic(),
				message.payload());
		if (FrameCodec.bodyLength(frame) > options.maxFrameBytes()) {
			transport.counters().oversizedFrames.incrementAndGet();
			transport.dropped(DropReason.OVERSIZED_FRAME, from.endpoint());
			log.debug("Dropping a message from {} to {}: too large to deliver", from.endpoint(), destination);
			return;
		}
		Connection.Offer offer = target.offer(frame, false);
		if (offer == Connection.Offer.FULL) {
			transport.counters().overflowDrops.incrementAndGet();
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, destination);
			log.debug("Dropping a message from {} to {}: its outbound queue is full", from.endpoint(), destination);
		}
		else if (offer == Connection.Offer.CLOSED) {
			transport.counters().undeliverable.incrementAndGet();
		}
	}

	@Override
	public void onOversized(Connection connection, long length) {
		transport.counters().oversizedFrames.incrementAndGet();
		Endpoint peer = endpointOf(connection);
		transport.dropped(DropReason.OVERSIZED_FRAME, peer);
		log.warn("Closing {} ({}): it announced a {}-byte frame, the limit is {}", connection,
				(peer != null) ? peer : "unregistered", length, options.maxFrameBytes());
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
		ScheduledFuture<?> timer = state.helloTimer;
		if (timer != null) {
			timer.cancel(false);
		}
		// read the registration under the registry lock: register() either completed before (and is undone here)
		// or runs after and sees the connection closed
		Registration registration;
		boolean removed = false;
		List<Connection> stuck = new ArrayList<>();
		registry.lock();
		try {
			registration = state.registration;
			if (registration != null) {
				removed = peers.remove(registration.endpoint(), connection);
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
			log.debug("{} disconnected", registration.endpoint());
			transport.fireDisconnected(registration.endpoint());
		}
		closeStuck(stuck);
	}

	// ------------------------------------------------------------------ sending

	void send(OutgoingMessage message) {
		if (closed) {
			throw new IpcClosedException("Socket transport is closed");
		}
		Endpoint destination = message.destination();
		if (destination.equals(self)) {
			transport.publish(new IncomingMessage(message.payload(), destination, selfSource, message.topic()));
			return;
		}
		Connection target = peers.get(destination);
		if (target == null) {
			throw new IpcUnreachableException(destination);
		}
		byte[] frame = FrameCodec.deliver(selfSourceBytes, FrameCodec.endpointBytes(destination), message.topic(),
				message.payload());
		transport.checkSize(frame);
		Connection.Offer offer = target.offer(frame, false);
		if (offer == Connection.Offer.FULL) {
			transport.counters().overflowDrops.incrementAndGet();
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, destination);
			throw new IpcException(ErrorKind.OTHER, "The outbound queue to " + destination + " is full");
		}
		if (offer == Connection.Offer.CLOSED) {
			throw new IpcUnreachableException(destination, "disconnecting");
		}
	}

	static Source sourceFor(Endpoint endpoint, @Nullable String user) {
		if (endpoint instanceof Endpoint.Named named) {
			return new Source.Named(named.name(), user);
		}
		return Source.of(endpoint);
	}

	// ------------------------------------------------------------------ closing

	/** Stops accepting, lets queued frames drain until {@code deadlineNanos}, closes everything, removes the socket. */
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
			TimeUnit.NANOSECONDS.timedJoin(acceptor, Math.max(1, deadlineNanos - System.nanoTime()));
			for (Connection connection : all) {
				if (!connection.awaitThreads(deadlineNanos)) {
					log.warn("Threads of {} did not end in time", connection);
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
