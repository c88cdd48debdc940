package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.LogSafe;
import dev.ipc.event.DropReason;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.IpcBackpressureException;
import dev.ipc.spi.IpcUnreachableException;

/**
 * One connection of a peer to its host: the handshake, the presence view fed by the host,
 * delivery of incoming messages and sending. A new link is made for every (re)connection,
 * so its presence starts fresh.
 */
final class PeerLink implements Connection.Listener {

	private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

	private final TransportContext transport;

	private final SocketTransportOptions options;

	private final Connection connection;

	private final CompletableFuture<Frame> handshake = new CompletableFuture<>();

	private final CountDownLatch closedLatch = new CountDownLatch(1);

	private final Set<Endpoint> presence = ConcurrentHashMap.newKeySet();

	private volatile @Nullable Endpoint host;

	private volatile boolean welcomed;

	private volatile boolean warnedMalformed;

	/**
	 * Whether version 2 was negotiated: compact data frames with the ids of
	 * {@link #sources}.
	 */
	private volatile boolean compact;

	/** Whether the host chose version 3: publications ({@link PeerSubscriptions}). */
	private volatile boolean pubsub;

	/**
	 * Version 2: the sources the host named by id ({@code Bind}), and the reverse, for
	 * sending.
	 */
	private final ConcurrentHashMap<Integer, Source> sources = new ConcurrentHashMap<>();

	private final ConcurrentHashMap<Endpoint, Integer> ids = new ConcurrentHashMap<>();

	/**
	 * At most this many ids are kept (a host names at most its connection cap, far
	 * fewer).
	 */
	static final int MAX_IDS = 65_536;

	private final ReentrantLock stateLock = new ReentrantLock();

	private boolean closed;

	private PeerLink(TransportContext transport, SocketChannel channel) {
		this.transport = transport;
		this.options = transport.options();
		this.connection = new Connection(transport.loop(), channel, transport.threadPrefix(), options.maxFrameBytes(),
				options.outboundQueueCapacity(), options.outboundQueueMaxBytes(), this, true);
	}

	/**
	 * Connects to the host (blocking, on the calling connector thread), checks its OS
	 * user (Unix sockets), registers the connection with the transport's loop and sends
	 * {@code Hello}. The answer is awaited with {@link #awaitHandshake}.
	 * @throws IOException if nothing accepts the connection (no host, or a stale socket
	 * file) or the host's user is not allowed
	 */
	static PeerLink connect(TransportContext transport) throws IOException {
		SocketTransportOptions o = transport.options();
		SocketChannel channel;
		if (o.isUnix()) {
			channel = SocketChannel.open(StandardProtocolFamily.UNIX);
			try {
				channel.connect(UnixDomainSocketAddress.of(o.unixSocket()));
				UserPrincipal hostUser = PeerCredentials.peerUser(channel);
				if (hostUser == null || !PeerCredentials.allowed(hostUser, o.allowedUsers())) {
					throw new HostNotTrustedException("The host at " + o.unixSocket() + " runs as OS user '"
							+ ((hostUser != null) ? hostUser.getName() : "unknown") + "', which is not allowed");
				}
			}
			catch (IOException | RuntimeException ex) {
				channel.close();
				throw ex;
			}
		}
		else {
			channel = SocketChannel.open();
			try {
				channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
				channel.socket()
					.connect(new InetSocketAddress(o.tcpHost(), o.tcpPort()),
							(int) Math.min(Integer.MAX_VALUE, o.connectTimeout().toMillis()));
			}
			catch (IOException | RuntimeException ex) {
				channel.close();
				throw ex;
			}
		}
		PeerLink link = new PeerLink(transport, channel);
		link.connection.start();
		link.connection.offer(FrameCodec.encode(new Frame.Hello(FrameCodec.SUPPORTED_VERSIONS, o.endpoint())), true);
		return link;
	}

	/**
	 * The host answered on the socket but runs as a user we do not trust; not a reason to
	 * become host.
	 */
	static final class HostNotTrustedException extends IOException {

		private static final long serialVersionUID = 1L;

		HostNotTrustedException(String message) {
			super(message);
		}

	}

	/**
	 * Waits for the host's answer to {@code Hello}.
	 * @return {@link Frame.Welcome} or {@link Frame.Rejected}, or {@code null} if the
	 * connection closed or no answer came in time (then the link is closed)
	 */
	@Nullable Frame awaitHandshake(Duration timeout) throws InterruptedException {
		try {
			return handshake.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException ex) {
			return null;
		}
		catch (TimeoutException ex) {
			log.debug("No answer to Hello within {}", timeout);
			connection.closeNow();
			return null;
		}
	}

	/** Whether the handshake succeeded and the connection is open. */
	boolean isUp() {
		return welcomed && connection.isOpen();
	}

	/** Waits until the connection has closed. */
	void awaitClosed() throws InterruptedException {
		closedLatch.await();
	}

	@Nullable Endpoint host() {
		return host;
	}

	Set<Endpoint> reachable() {
		if (!isUp()) {
			return Set.of();
		}
		Set<Endpoint> all = new HashSet<>(presence);
		Endpoint h = host;
		if (h != null) {
			all.add(h);
		}
		all.add(options.endpoint());
		return Set.copyOf(all);
	}

	int peerCount() {
		return isUp() ? presence.size() + 1 : 0;
	}

	boolean pubsub() {
		return pubsub && isUp();
	}

	/** Queues a {@code Subscriptions} frame (version 3 only). */
	void sendSubscriptions(java.util.Collection<String> topics) {
		if (pubsub) {
			connection.offer(FrameCodec.encode(new Frame.Subscriptions(List.copyOf(topics))), true);
		}
	}

	/** One copy of a publication, as a compact {@code Publish} (version 3 only). */
	void sendPublished(OutgoingMessage message) {
		Endpoint destination = message.destination();
		Integer id = pubsub ? ids.get(destination) : null;
		if (!isUp() || id == null || message.topic() == null) {
			throw new IpcUnreachableException(destination, "not connected, or no publications to it");
		}
		byte[] frame = CompactFrames.encode(CompactFrames.PUBLISH, id, message.topic(), message.payload());
		transport.checkSize(frame);
		offerData(frame, destination);
	}

	void send(OutgoingMessage message) {
		Endpoint destination = message.destination();
		if (!isUp()) {
			throw new IpcUnreachableException(destination, "not connected to the host");
		}
		if (!destination.equals(host) && !destination.equals(options.endpoint()) && !presence.contains(destination)) {
			throw new IpcUnreachableException(destination);
		}
		byte[] destinationBytes = FrameCodec.endpointBytes(destination);
		Integer id = compact ? ids.get(destination) : null;
		byte[] frame;
		if (id != null) {
			// checked as the CBOR frame it may become, when the host relays it to a
			// version-1 peer
			transport
				.checkSize(FrameCodec.messageBodyLength(destinationBytes, message.topic(), message.payload().length));
			frame = CompactFrames.encode(CompactFrames.MESSAGE, id, message.topic(), message.payload());
		}
		else {
			frame = FrameCodec.message(destinationBytes, message.topic(), message.payload());
			transport.checkSize(frame);
		}
		offerData(frame, destination);
	}

	private void offerData(byte[] frame, Endpoint destination) {
		Connection.Offer offer = connection.offer(frame, false);
		if (offer == Connection.Offer.FULL) {
			transport.counters().overflowDrops.incrementAndGet();
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, destination);
			throw new IpcBackpressureException("The outbound queue to the host is full");
		}
		if (offer == Connection.Offer.CLOSED) {
			throw new IpcUnreachableException(destination, "the connection to the host is closing");
		}
	}

	/**
	 * Lets the calling thread read this link's connection until {@code condition} holds
	 * ({@link dev.ipc.spi.ReceiveDriver#driveUntil}).
	 */
	CallerReads.Outcome drive(java.util.function.BooleanSupplier condition, long deadlineNanos, long spinNanos)
			throws InterruptedException {
		return connection.driveReads(condition, deadlineNanos, spinNanos);
	}

	@Nullable Thread callerReading() {
		return connection.callerReading();
	}

	void wakeReader(Thread waiter) {
		connection.wakeReader(waiter);
	}

	/** Lets queued frames drain until {@code deadlineNanos}, then closes. */
	void close(long deadlineNanos) {
		connection.closeGracefully();
		try {
			connection.awaitWriter(deadlineNanos);
			connection.closeNow();
			connection.awaitThreads(deadlineNanos);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			connection.closeNow();
		}
	}

	/** Closes at once. */
	void closeNow() {
		connection.closeNow();
	}

	// ------------------------------------------------------------------ frames

	@Override
	public void onFrame(Connection c, byte[] buffer, int offset, int length) {
		if (compact && CompactFrames.isCompact(buffer, offset, length)) {
			onCompact(buffer, offset, length);
			return;
		}
		Frame frame;
		try {
			frame = FrameCodec.decode(buffer, offset, length);
		}
		catch (FrameCodecException ex) {
			malformed(ex.getMessage());
			if (!welcomed) {
				handshake.complete(null);
				connection.closeNow();
			}
			return;
		}
		if (!welcomed) {
			if (frame instanceof Frame.Welcome welcome) {
				if (!FrameCodec.SUPPORTED_VERSIONS.contains(welcome.version())) {
					transport.warnings()
						.warn(log, "host-version", "The host chose protocol version {}, which this peer did not offer",
								welcome.version());
					transport.dropped(DropReason.UNEXPECTED_FRAME, welcome.host());
					handshake.complete(null);
					connection.closeNow();
					return;
				}
				stateLock.lock();
				try {
					if (closed) {
						return;
					}
					compact = welcome.version() >= FrameCodec.VERSION_COMPACT;
					pubsub = welcome.version() >= FrameCodec.VERSION_PUBSUB;
					host = welcome.host();
					presence.addAll(welcome.peers());
					welcomed = true;
				}
				finally {
					stateLock.unlock();
				}
				handshake.complete(welcome);
			}
			else if (frame instanceof Frame.Rejected rejected) {
				handshake.complete(rejected);
				connection.closeNow();
			}
			else {
				transport.dropped(DropReason.UNEXPECTED_FRAME, null);
				handshake.complete(null);
				connection.closeNow();
			}
			return;
		}
		if (frame instanceof Frame.Deliver deliver) {
			transport.publish(
					new IncomingMessage(deliver.payload(), deliver.destination(), deliver.source(), deliver.topic()));
		}
		else if (frame instanceof Frame.PeerJoined joined) {
			presence.add(joined.endpoint());
			log.debug("{} joined", LogSafe.of(joined.endpoint()));
		}
		else if (frame instanceof Frame.Bind bind && compact) {
			bind(bind);
		}
		else if (frame instanceof Frame.Subscribers subscribers && pubsub) {
			transport.subscriptions().onSubscribers(subscribers);
		}
		else if (frame instanceof Frame.PeerLeft left) {
			Integer id = ids.remove(left.endpoint());
			if (id != null) {
				sources.remove(id);
			}
			if (presence.remove(left.endpoint())) {
				log.debug("{} left", LogSafe.of(left.endpoint()));
				transport.peerLeft(left.endpoint());
			}
		}
		else if (frame instanceof Frame.Ping) {
			connection.offer(FrameCodec.pong(), true);
		}
		else if (!(frame instanceof Frame.Pong)) {
			log.debug("Ignoring an unexpected {} frame from the host", frame.getClass().getSimpleName());
			transport.dropped(DropReason.UNEXPECTED_FRAME, host);
		}
	}

	private void malformed(@Nullable String why) {
		transport.counters().malformedFrames.incrementAndGet();
		transport.dropped(DropReason.MALFORMED_FRAME, host);
		if (!warnedMalformed) {
			warnedMalformed = true;
			transport.warnings()
				.warn(log, "host-malformed", "Dropping a malformed frame from the host: {}", LogSafe.of(why));
		}
	}

	private void onCompact(byte[] buffer, int offset, int length) {
		CompactFrames.Data data;
		try {
			data = CompactFrames.decode(buffer, offset, length);
		}
		catch (FrameCodecException ex) {
			malformed(ex.getMessage());
			return;
		}
		Source source = sources.get(data.id());
		boolean published = data.type() == CompactFrames.PUBLISHED && pubsub;
		if ((data.type() != CompactFrames.DELIVER && !published) || source == null) {
			malformed((source == null) ? "a compact Deliver from an id the host never bound"
					: "a compact frame of type " + data.type() + " from the host");
			return;
		}
		transport.publish(new IncomingMessage(data.payload(), options.endpoint(), source, data.topic(),
				published ? DeliveryKind.PUBLISHED : DeliveryKind.ADDRESSED));
	}

	private void bind(Frame.Bind bind) {
		Endpoint endpoint = bind.source().toEndpoint();
		if (sources.size() >= MAX_IDS && !sources.containsKey(bind.id())) {
			malformed("the host bound more than " + MAX_IDS + " ids");
			return;
		}
		Source previous = sources.put(bind.id(), bind.source());
		if (previous != null && !previous.toEndpoint().equals(endpoint)) {
			ids.remove(previous.toEndpoint(), bind.id());
		}
		ids.put(endpoint, bind.id());
	}

	@Override
	public void onOversized(Connection c, long length, int limit) {
		transport.counters().oversizedFrames.incrementAndGet();
		transport.dropped(DropReason.OVERSIZED_FRAME, host);
		transport.warnings()
			.warn(log, "host-oversized",
					"Closing the connection to the host: it announced a {}-byte frame, " + "the limit is {}", length,
					limit);
	}

	@Override
	public void onTruncated(Connection c) {
		transport.counters().malformedFrames.incrementAndGet();
		transport.dropped(DropReason.MALFORMED_FRAME, host);
	}

	@Override
	public void onClosed(Connection c) {
		boolean wasUp;
		List<Endpoint> gone = new ArrayList<>();
		// under the lock, so a Welcome being processed right now either counts as up here
		// or is ignored
		stateLock.lock();
		try {
			closed = true;
			wasUp = welcomed;
			if (wasUp) {
				Endpoint h = host;
				if (h != null) {
					gone.add(h);
				}
				gone.addAll(presence);
				presence.clear();
			}
		}
		finally {
			stateLock.unlock();
		}
		handshake.complete(null);
		closedLatch.countDown();
		if (wasUp) {
			transport.linkLost(gone);
		}
	}

}
