package dev.ipc.transport.socket;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.internal.LogLimiter;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.transport.DisconnectListeners;

/**
 * What the parts of one socket transport share, made once by {@link SocketTransport} and
 * handed down to the host side ({@link HostServer}) and the peer side ({@link PeerLink}):
 * the options, the I/O loop, the counters, the rate-limited warnings, where received
 * messages go ({@link InboundMessages}), who hears of departures and the publication
 * state. The lower layers report to it, never to the transport above them, so the data
 * path runs one way: application → transport → host or peer link → connection, and
 * connection → host or peer link → inbound messages → receivers.
 */
final class TransportContext {

	private static final Logger log = LoggerFactory.getLogger(TransportContext.class);

	/**
	 * Room kept free in a frame for the source a host adds when it turns a
	 * {@code Message} into a {@code Deliver}.
	 */
	static final int SOURCE_RESERVE = 1024;

	/**
	 * The most warnings a peer can trigger per minute over all causes, for one transport
	 * (and one per cause); the rest are logged at debug.
	 */
	static final int WARNING_BUDGET = 10;

	private final SocketTransportOptions options;

	private final String threadPrefix;

	private final IoLoop loop;

	private final TransportCounters counters = new TransportCounters();

	private final LogLimiter warnings = new LogLimiter(TimeUnit.MINUTES.toNanos(1), WARNING_BUDGET);

	private final InboundMessages inbound;

	private final DisconnectListeners disconnectListeners = new DisconnectListeners();

	private final PeerSubscriptions subscriptions;

	TransportContext(SocketTransportOptions options) throws IOException {
		this.options = options;
		this.threadPrefix = "ipc-socket-" + label(options.endpoint());
		this.loop = new IoLoop(threadPrefix + "-io");
		this.inbound = new InboundMessages(options, counters, this::dropped, warnings);
		this.subscriptions = new PeerSubscriptions(options.endpoint());
	}

	SocketTransportOptions options() {
		return options;
	}

	/** {@code ipc-socket-<endpoint>}: the start of every thread's name. */
	String threadPrefix() {
		return threadPrefix;
	}

	IoLoop loop() {
		return loop;
	}

	TransportCounters counters() {
		return counters;
	}

	/** Warnings a peer can trigger (fixed keys; escape what the peer chose). */
	LogLimiter warnings() {
		return warnings;
	}

	InboundMessages inbound() {
		return inbound;
	}

	DisconnectListeners disconnectListeners() {
		return disconnectListeners;
	}

	PeerSubscriptions subscriptions() {
		return subscriptions;
	}

	/** A message for this process's receivers. */
	void publish(IncomingMessage message) {
		inbound.publish(message);
	}

	/**
	 * Runs {@code task} on the loop after {@code delayNanos} (at once once the loop has
	 * ended).
	 */
	IoLoop.Timer schedule(Runnable task, long delayNanos) {
		return loop.schedule(task, delayNanos);
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

	/** Reports a dropped message to the configured event listener. */
	void dropped(DropReason reason, @Nullable Endpoint peer) {
		try {
			options.listener().messageDropped(reason, peer);
		}
		catch (RuntimeException ex) {
			warnings.warn(log, "listener", "Event listener failed: {}", ex.toString());
		}
	}

	/** A peer of the host left: the disconnect listeners hear of it. */
	void fireDisconnected(Endpoint endpoint) {
		disconnectListeners.fire(endpoint);
	}

	/**
	 * The host says {@code endpoint} left: out of the subscription replica, then told.
	 */
	void peerLeft(Endpoint endpoint) {
		subscriptions.peerLeft(endpoint);
		disconnectListeners.fire(endpoint);
	}

	/**
	 * The connection to the host dropped: the replica is cleared and every remote
	 * endpoint is gone.
	 */
	void linkLost(List<Endpoint> gone) {
		subscriptions.linkLost();
		for (Endpoint endpoint : gone) {
			disconnectListeners.fire(endpoint);
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
