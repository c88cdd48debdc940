package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.LogSafe;

/**
 * The host's listening socket on the loop: accepts what is pending (a bounded number per
 * wake-up, pausing a moment when accepting fails, typically for lack of descriptors),
 * checks the peer's OS user on a Unix socket ({@code SO_PEERCRED}, refused with
 * {@code UserNotAllowed} unless allowed), gives each connection a handshake slot
 * ({@link HostRegistry#admit}) and starts its {@code Hello} clock. A connection refused
 * here gets one best-effort {@code Rejected} and is closed. Never blocks.
 */
final class HostAcceptor implements IoLoop.Handler {

	private static final Logger log = LoggerFactory.getLogger(HostAcceptor.class);

	private static final int MAX_ACCEPTS_PER_WAKEUP = 64;

	private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private final TransportContext context;

	private final SocketTransportOptions options;

	private final ServerSocketChannel server;

	/** Whether the socket is a Unix socket, whose peers' OS user is checked. */
	private final boolean unix;

	private final HostRegistry registry;

	private final HelloHandshake handshake;

	/** What handles the frames of accepted connections. */
	private final Connection.Listener frames;

	private @Nullable SelectionKey acceptKey;

	HostAcceptor(TransportContext context, ServerSocketChannel server, boolean unix, HostRegistry registry,
			HelloHandshake handshake, Connection.Listener frames) {
		this.context = context;
		this.options = context.options();
		this.server = server;
		this.unix = unix;
		this.registry = registry;
		this.handshake = handshake;
		this.frames = frames;
	}

	/** Starts accepting (on the loop). */
	void start() {
		context.loop().execute(() -> {
			if (registry.isClosed()) {
				return;
			}
			try {
				server.configureBlocking(false);
				acceptKey = context.loop().register(server, SelectionKey.OP_ACCEPT, this);
			}
			catch (IOException ex) {
				if (!registry.isClosed() && server.isOpen()) {
					log.error("Cannot accept connections on {}: {}", options.addressDescription(), ex.toString());
				}
			}
		});
	}

	/**
	 * The listening socket is ready: accepts what is pending (a bounded number per
	 * wake-up).
	 */
	@Override
	public void ready(SelectionKey key) {
		for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP && !registry.isClosed(); i++) {
			SocketChannel channel;
			try {
				channel = server.accept();
			}
			catch (IOException ex) {
				if (registry.isClosed()) {
					return;
				}
				// out of descriptors, typically: stop accepting for a moment instead of
				// spinning on the loop
				context.warnings().warn(log, "accept", "Accepting a connection failed: {}", LogSafe.of(ex));
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
		context.schedule(() -> {
			if (!registry.isClosed() && key.isValid()) {
				key.interestOps(SelectionKey.OP_ACCEPT);
			}
		}, ACCEPT_PAUSE_NANOS);
	}

	private void admit(SocketChannel channel) throws IOException {
		String user = null;
		String quotaKey;
		if (unix) {
			UserPrincipal peerUser = PeerCredentials.peerUser(channel);
			if (peerUser == null || !PeerCredentials.allowed(peerUser, options.allowedUsers())) {
				context.counters().rejected(HostServer.REASON_USER_NOT_ALLOWED);
				String name = (peerUser != null) ? peerUser.getName() : "unknown";
				context.warnings()
					.warn(log, "user", "Refused a connection from OS user '{}' (allowed: {})", LogSafe.of(name),
							options.allowedUsers().isEmpty() ? "this process's user only" : options.allowedUsers());
				rejectRaw(channel, HostServer.REASON_USER_NOT_ALLOWED, "OS user '" + name + "' is not allowed");
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
		Connection connection = new Connection(context.loop(), channel, context.threadPrefix(), options.maxFrameBytes(),
				SocketTransportOptions.FIRST_FRAME_MAX_BYTES, options.outboundQueueCapacity(),
				options.outboundQueueMaxBytes(), frames);
		HostPeerState state = new HostPeerState(user, quotaKey);
		connection.attachment = state;
		HostRegistry.Admission admission = registry.admit(connection, state);
		if (admission.hostClosed()) {
			closeQuietly(channel);
			return;
		}
		HostRegistry.Refusal refusal = admission.refusal();
		if (refusal != null) {
			context.counters().rejected(refusal.reason());
			rejectRaw(channel, refusal.reason(), refusal.detail());
			return;
		}
		Connection evicted = admission.evicted();
		if (evicted != null) {
			handshake.evicted(evicted);
		}
		context.counters().connectionsAccepted.incrementAndGet();
		handshake.startTimer(connection, state);
		connection.start();
		if (registry.isClosed()) {
			connection.closeNow();
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

}
