package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;

/**
 * The host side: binds the address, and handles the frames of every connection it
 * accepted. Accepting and the OS-user check are {@link HostAcceptor}'s, the {@code Hello}
 * handshake {@link HelloHandshake}'s, who is connected (slots, presence) the
 * {@link HostRegistry}'s, routing of addressed messages and publications the
 * {@link HostRouter}'s, the subscription table {@link HostSubscriptions}'s. Everything
 * runs on the transport's {@link IoLoop} and never blocks: routing only queues on the
 * target connection, which the loop writes once after the batch of frames it is handling.
 * The host stamps {@link Source} from the registration on everything it delivers.
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

	static final String REASON_INVALID_ENDPOINT = "InvalidEndpoint";

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

	private final TransportContext transport;

	private final ServerSocketChannel server;

	private final UnixSocketFiles.@Nullable HostLock lock;

	private final @Nullable Path socketFile;

	private final Endpoint self;

	private final Source selfSource;

	private final byte[] selfSourceBytes;

	private final HostRegistry registry;

	private final HelloHandshake handshake;

	private final HostAcceptor acceptor;

	private final HostRouter router;

	private HostServer(TransportContext transport, ServerSocketChannel server, UnixSocketFiles.@Nullable HostLock lock,
			@Nullable Path socketFile, @Nullable String ownUser) {
		this.transport = transport;
		this.server = server;
		this.lock = lock;
		this.socketFile = socketFile;
		this.self = transport.options().endpoint();
		this.selfSource = sourceFor(self, ownUser);
		this.selfSourceBytes = FrameCodec.sourceBytes(selfSource);
		this.registry = new HostRegistry(transport, self, selfSourceBytes);
		this.handshake = new HelloHandshake(transport, registry);
		this.acceptor = new HostAcceptor(transport, server, socketFile != null, registry, handshake, this);
		this.router = new HostRouter(transport, registry, self, selfSource, selfSourceBytes);
	}

	/**
	 * Binds the Unix socket; the caller holds the host lock, so an existing socket file
	 * is stale and is replaced unless, against all odds, something answers on it.
	 */
	static HostServer bindUnix(TransportContext transport, UnixSocketFiles.HostLock lock) throws IOException {
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
	static HostServer bindTcp(TransportContext transport) throws IOException {
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
		return registry.reachable();
	}

	int peerCount() {
		return registry.peerCount();
	}

	/** Counts of the slots in use, for tests: [pending, registered]. */
	int[] slotsInUse() {
		return registry.slotsInUse();
	}

	// ------------------------------------------------------------------ frames

	@Override
	public void onFrame(Connection connection, byte[] buffer, int offset, int length) {
		HostPeerState state = HostPeerState.of(connection);
		if (state == null || state.rejected) {
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
				handshake.protocolError(connection, "malformed frame before Hello: " + LogSafe.escape(ex.getMessage()));
			}
			return;
		}
		if (registration == null) {
			if (frame instanceof Frame.Hello hello) {
				handshake.onHello(connection, state, hello);
			}
			else {
				transport.dropped(DropReason.UNEXPECTED_FRAME, null);
				handshake.protocolError(connection, "the first frame must be Hello");
			}
			return;
		}
		if (frame instanceof Frame.Message message) {
			router.route(registration, message.destination(), message.topic(), message.payload());
		}
		else if (frame instanceof Frame.Subscriptions announced && registration.pubsub()) {
			registry.subscriptions().announce(registration.endpoint(), Set.copyOf(announced.topics()));
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

	private void onCompact(Connection connection, HostPeerState state, Registration from, byte[] buffer, int offset,
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
			router.relayPublished(from, data);
			return;
		}
		if (data.type() != CompactFrames.MESSAGE) {
			malformed(connection, state, "a peer may not send a compact " + data.type() + " frame");
			return;
		}
		router.routeCompact(from, data);
	}

	private void malformed(Connection connection, HostPeerState state, @Nullable String why) {
		transport.counters().malformedFrames.incrementAndGet();
		Registration registration = state.registration;
		Endpoint peer = (registration != null) ? registration.endpoint() : null;
		transport.dropped(DropReason.MALFORMED_FRAME, peer);
		transport.warnings()
			.warn(log, "malformed", "Dropping a malformed frame from {} ({}): {}",
					(peer != null) ? LogSafe.of(peer) : "an unregistered connection", connection, LogSafe.of(why));
	}

	static @Nullable Registration registrationOf(Connection connection) {
		HostPeerState state = HostPeerState.of(connection);
		return (state != null) ? state.registration : null;
	}

	@Override
	public void onOversized(Connection connection, long length, int limit) {
		transport.counters().oversizedFrames.incrementAndGet();
		Endpoint peer = HostPeerState.endpointOf(connection);
		transport.dropped(DropReason.OVERSIZED_FRAME, peer);
		transport.warnings()
			.warn(log, "oversized", "Closing {} ({}): it announced a {}-byte frame, the limit is {}", connection,
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
		transport.dropped(DropReason.MALFORMED_FRAME, HostPeerState.endpointOf(connection));
		log.debug("{} ended inside a frame", connection);
	}

	@Override
	public void onClosed(Connection connection) {
		HostPeerState state = HostPeerState.of(connection);
		if (state == null) {
			return;
		}
		state.cancelHelloTimer();
		List<Connection> stuck = new ArrayList<>();
		Registration removed = registry.remove(connection, state, stuck);
		if (removed != null) {
			log.debug("{} disconnected", LogSafe.of(removed.endpoint()));
			FrameCodec.forget(removed.endpoint(), removed.source());
			transport.fireDisconnected(removed.endpoint());
		}
		registry.closeStuck(stuck);
	}

	@Override
	public void onReaderDone(Connection connection) {
		registry.release(connection);
	}

	// ------------------------------------------------------------------ the host's own
	// client

	/** The host's own client sends: see {@link HostRouter#sendOwn}. */
	void send(OutgoingMessage message) {
		router.sendOwn(message);
	}

	/** The host's own client publishes: one copy to a subscriber. */
	void sendPublished(OutgoingMessage message) {
		router.sendOwnPublished(message);
	}

	HostSubscriptions subscriptions() {
		return registry.subscriptions();
	}

	/** Whether {@code connection} negotiated publications, and its endpoint and id. */
	static @Nullable Endpoint pubsubEndpointOf(Connection connection) {
		Registration r = registrationOf(connection);
		return (r != null && r.pubsub()) ? r.endpoint() : null;
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
		List<Connection> all = registry.close();
		try {
			server.close();
		}
		catch (IOException ex) {
			log.debug("Closing the server socket failed: {}", ex.toString());
		}
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
