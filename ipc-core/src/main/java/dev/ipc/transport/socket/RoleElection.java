package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.LogSafe;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Which role a socket transport plays and how it gets there: a host binds at once; a peer
 * connects on a {@code -connect} thread and reconnects with bounded exponential backoff
 * whenever the connection drops; an auto transport connects to a live host or, when none
 * answers, becomes the host itself (the Unix socket's lock file decides a race between
 * would-be hosts, {@code docs/transport-protocol.md} §9). Holds the current
 * {@link HostServer} or {@link PeerLink}. Logged under {@link SocketTransport}'s name.
 */
final class RoleElection {

	private static final Logger log = LoggerFactory.getLogger(SocketTransport.class);

	private enum Attempt {

		CONNECTED, HOSTING, FAILED

	}

	private final TransportContext context;

	private final SocketTransportOptions options;

	private final ConnectionProblems problems;

	private final ReentrantLock stateLock = new ReentrantLock();

	private final Condition stateChanged = stateLock.newCondition();

	private final CountDownLatch firstAttempt = new CountDownLatch(1);

	private volatile boolean closed;

	private volatile @Nullable HostServer host;

	private volatile @Nullable PeerLink link;

	private @Nullable Thread connector;

	RoleElection(TransportContext context) {
		this.context = context;
		this.options = context.options();
		this.problems = new ConnectionProblems(options, context.counters());
	}

	/**
	 * Binds (a host), or makes the first attempt and starts the connector thread (a peer
	 * or auto transport), waiting for that first attempt at most the connect plus the
	 * hello timeout.
	 * @throws IOException if a host cannot bind its address or an auto transport's socket
	 * directory is unusable
	 */
	void start() throws IOException {
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
		Thread thread = new Thread(this::connectLoop, context.threadPrefix() + "-connect");
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

	boolean isClosed() {
		return closed;
	}

	@Nullable HostServer host() {
		return host;
	}

	@Nullable PeerLink link() {
		return link;
	}

	/** See {@link SocketTransport#currentRole()}. */
	Role currentRole() {
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
	boolean isConnected() {
		if (closed) {
			return false;
		}
		if (host != null) {
			return true;
		}
		PeerLink l = link;
		return l != null && l.isUp();
	}

	/** Waits until {@link #isConnected()} or the timeout passes. */
	boolean awaitConnected(Duration timeout) throws InterruptedException {
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

	/** Why the last attempt to reach the host failed, while a peer is not connected. */
	@Nullable String connectionProblem() {
		if (closed || host != null) {
			return null;
		}
		PeerLink l = link;
		if (l != null && l.isUp()) {
			return null;
		}
		return problems.current();
	}

	/**
	 * Stops: no more attempts; the link drains and closes, or the host stops, until
	 * {@code deadline}; the connector thread ends.
	 */
	void close(long deadline) {
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
	}

	// ------------------------------------------------------------------ connecting

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
				if (!closed) {
					log.info("IPC socket transport: {} lost its connection to the host at {}; reconnecting",
							options.endpoint(), options.addressDescription());
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

	private Attempt attempt() throws InterruptedException {
		PeerLink candidate;
		try {
			candidate = PeerLink.connect(context);
		}
		catch (PeerLink.HostNotTrustedException ex) {
			problems.failed("untrusted-host", LogSafe.escape(ex.getMessage()));
			return Attempt.FAILED;
		}
		catch (IOException ex) {
			if (closed) {
				return Attempt.FAILED;
			}
			if (options.role() == Role.AUTO) {
				return tryToHost();
			}
			problems.failed(ex);
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
			context.counters().connects.incrementAndGet();
			context.subscriptions().linkUp(candidate);
			String previous = problems.resolved();
			log.info("IPC socket transport: {} connected to host {} at {} ({} other peers){}", options.endpoint(),
					LogSafe.escape(welcome.host()), options.addressDescription(), welcome.peers().size(),
					(previous != null) ? "; the earlier problem is resolved" : "");
			signalStateChange();
			return Attempt.CONNECTED;
		}
		if (answer instanceof Frame.Rejected rejected) {
			problems.failed("rejected:" + LogSafe.escape(rejected.reason()), "the host refused " + options.endpoint()
					+ ": " + LogSafe.escape(rejected.reason()) + " (" + LogSafe.escape(rejected.detail()) + ")");
		}
		else if (!closed) {
			problems.failed("no-welcome", "the host did not answer Hello within " + options.helloTimeout().toMillis()
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
			problems.set("no host answers and this process could not become the host: " + LogSafe.escape(ex));
			context.warnings()
				.warn(log, "host-bind", "Could not become the host at {}: {}", options.addressDescription(),
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
			problems.set(null);
			context.subscriptions().hostUp(server);
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
				return HostServer.bindUnix(context, lock);
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
			return HostServer.bindTcp(context);
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

}
