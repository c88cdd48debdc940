package dev.ipc.transport.socket;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.spi.ReceiveDriver;
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

	private final SocketTransportOptions options;

	/** What the host side and the peer side share: loop, counters, inbound messages. */
	private final TransportContext context;

	/** The role, and the host server or the peer link that plays it. */
	private final RoleElection election;

	private final AtomicBoolean closeStarted = new AtomicBoolean();

	private SocketTransport(SocketTransportOptions options) throws IOException {
		this.options = options;
		this.context = new TransportContext(options);
		this.election = new RoleElection(context);
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
			transport.context.loop().start();
			transport.election.start();
		}
		catch (IOException | RuntimeException ex) {
			transport.close();
			throw ex;
		}
		return transport;
	}

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
		return election.currentRole();
	}

	/** Whether this transport serves as host, or is connected to a host. */
	@Override
	public boolean isConnected() {
		return election.isConnected();
	}

	/**
	 * Waits until {@link #isConnected()} or the timeout passes.
	 * @return whether it is connected
	 */
	public boolean awaitConnected(Duration timeout) throws InterruptedException {
		return election.awaitConnected(timeout);
	}

	/**
	 * The endpoints currently reachable: a host's connected peers and itself; a peer's
	 * view from presence updates.
	 */
	@Override
	public Set<Endpoint> reachableEndpoints() {
		if (election.isClosed()) {
			return Set.of();
		}
		HostServer h = election.host();
		if (h != null) {
			return h.reachable();
		}
		PeerLink l = election.link();
		return (l != null) ? l.reachable() : Set.of();
	}

	/**
	 * The TCP port the host is bound to (useful with port 0), else the configured port,
	 * or -1 for a Unix socket.
	 */
	public int localTcpPort() {
		HostServer h = election.host();
		if (h != null && !options.isUnix()) {
			return h.localPort();
		}
		return options.isUnix() ? -1 : options.tcpPort();
	}

	/** A snapshot of the counters. */
	public SocketTransportStats stats() {
		HostServer h = election.host();
		PeerLink l = election.link();
		int peers = (h != null) ? h.peerCount() : (l != null) ? l.peerCount() : 0;
		return context.counters().snapshot(currentRole(), isConnected(), peers);
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
		if (election.isClosed()) {
			return;
		}
		context.subscriptions().announce(topics, election.host(), election.link());
	}

	@Override
	public Set<Endpoint> subscribersOf(String topic) {
		Objects.requireNonNull(topic, "topic");
		if (election.isClosed()) {
			return Set.of();
		}
		return context.subscriptions().subscribersOf(topic, election.host());
	}

	@Override
	public void sendPublished(OutgoingMessage message) {
		Objects.requireNonNull(message, "message");
		requireOpen();
		HostServer h = election.host();
		if (h != null) {
			h.sendPublished(message);
			return;
		}
		requireLink(message).sendPublished(message);
	}

	@Override
	public void send(OutgoingMessage message) {
		Objects.requireNonNull(message, "message");
		requireOpen();
		HostServer h = election.host();
		if (h != null) {
			h.send(message);
			return;
		}
		requireLink(message).send(message);
	}

	private void requireOpen() {
		if (election.isClosed()) {
			throw new IpcClosedException("Socket transport of " + options.endpoint() + " is closed");
		}
	}

	private PeerLink requireLink(OutgoingMessage message) {
		PeerLink l = election.link();
		if (l == null) {
			throw new IpcUnreachableException(message.destination(), "not connected to the host");
		}
		return l;
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
		return context.inbound().subscribe();
	}

	/**
	 * Why the last attempt to reach the host failed (for example no socket file at the
	 * path, connection refused, permission denied, refused by the host), while a peer is
	 * not connected; empty once connected, and for a host.
	 */
	@Override
	public Optional<String> lastConnectionProblem() {
		return Optional.ofNullable(election.connectionProblem());
	}

	/**
	 * A peer lets the calling thread read its connection to the host while it waits
	 * ({@link CallerReads}): what it reads is delivered exactly as the I/O thread would,
	 * and when it returns the connection is read by the next waiting caller or the I/O
	 * thread again. A host, a peer that is not connected, and the I/O thread itself only
	 * wait.
	 */
	@Override
	public boolean driveUntil(BooleanSupplier condition, long deadlineNanos, long spinNanos)
			throws InterruptedException {
		PeerLink l = election.link();
		if (l != null && l.isUp() && !election.isClosed() && !context.loop().inLoop()) {
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
		PeerLink l = election.link();
		return (l != null) ? l.callerReading() : null;
	}

	@Override
	public void wake(Thread waiter) {
		if (waiter == Thread.currentThread()) {
			return;
		}
		PeerLink l = election.link();
		if (l != null) {
			l.wakeReader(waiter);
		}
		else {
			LockSupport.unpark(waiter);
		}
	}

	@Override
	public void addDisconnectListener(Consumer<Endpoint> listener) {
		context.disconnectListeners().add(listener);
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
		election.close(deadline);
		context.loop().close(deadline);
		context.inbound().close();
		log.debug("IPC socket transport of {} closed", options.endpoint());
	}

	@Override
	public String toString() {
		return "SocketTransport[" + options.endpoint() + ", " + options.addressDescription() + ", " + currentRole()
				+ "]";
	}

	// ------------------------------------------------------------------ for tests

	/** See {@link RoleElection#backoffNanos}. */
	long backoffNanos(int failures) {
		return election.backoffNanos(failures);
	}

	TransportCounters counters() {
		return context.counters();
	}

	/** The host server while this process hosts, else null. */
	@Nullable HostServer hostServer() {
		return election.host();
	}

}
