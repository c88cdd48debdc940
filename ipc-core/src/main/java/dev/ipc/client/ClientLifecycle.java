package dev.ipc.client;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.IpcEventListener;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.IpcClosedException;

/**
 * A client's life cycle, {@code NEW → RUNNING ⇄ STOPPED → CLOSED} with transient
 * {@code STARTING}/{@code STOPPING}, changed only by compare-and-set
 * ({@link ClientState}). {@link #start()} opens one receiver on the backend and attaches
 * the inbound path to it (pushed on the delivering thread, or a receive thread of its own
 * for a pull-only backend or a provider that may block); {@link #stop()} closes it, joins
 * that thread for a bounded time, fails pending RPCs and handles the departures the
 * inbound path did not reach; {@link #close()} also ends subscriptions and the client's
 * own threads. The keep-alive thread runs from the end of {@code start()} to the stop.
 */
final class ClientLifecycle {

	private static final Logger log = LoggerFactory.getLogger(ClientLifecycle.class);

	private static final Duration LOOP_JOIN_TIMEOUT = Duration.ofSeconds(5);

	private final ClientState state;

	private final CommunicationBackend backend;

	private final CryptoProvider<Object> crypto;

	private final InboundPath inbound;

	private final PendingRequests pending;

	private final Departures departures;

	private final SubscriptionHub subscriptions;

	private final IpcEventListener events;

	private final JvmKeepAlive keepAlive;

	private final ExecutorService timer;

	private final Resender resender;

	private final @Nullable ExecutorService ownedExecutor;

	private final Duration shutdownTimeout;

	private volatile @Nullable Thread loopThread;

	ClientLifecycle(ClientState state, CommunicationBackend backend, CryptoProvider<Object> crypto, InboundPath inbound,
			PendingRequests pending, Departures departures, SubscriptionHub subscriptions, IpcEventListener events,
			JvmKeepAlive keepAlive, ExecutorService timer, Resender resender, @Nullable ExecutorService ownedExecutor,
			Duration shutdownTimeout) {
		this.state = state;
		this.backend = backend;
		this.crypto = crypto;
		this.inbound = inbound;
		this.pending = pending;
		this.departures = departures;
		this.subscriptions = subscriptions;
		this.events = events;
		this.keepAlive = keepAlive;
		this.timer = timer;
		this.resender = resender;
		this.ownedExecutor = ownedExecutor;
		this.shutdownTimeout = shutdownTimeout;
	}

	void start() {
		String name = state.name();
		while (true) {
			IpcClientState current = state.get();
			if (current == IpcClientState.CLOSED) {
				throw state.closed();
			}
			if (current != IpcClientState.NEW && current != IpcClientState.STOPPED) {
				throw new IllegalStateException("IPC client '" + name + "' is already running (state " + current + ")");
			}
			if (state.compareAndSet(current, IpcClientState.STARTING)) {
				break;
			}
		}
		// what is slow the first time in a fresh JVM (key generation, cipher providers)
		// is done now, not inside the first handshake where it could run into the
		// handshake timeout
		crypto.warmUp();
		BackendReceiver rx;
		try {
			rx = backend.subscribe();
		}
		catch (RuntimeException ex) {
			state.set(IpcClientState.STOPPED);
			throw ex;
		}
		int gen = state.beginRun(rx);
		keepAlive.begin(); // still STARTING: no stop() can run before it, shutDown() ends
							// it
		state.set(IpcClientState.RUNNING);
		if (crypto.processMayBlock() || !rx.deliverTo(inbound.sink(gen))) {
			// a pull-only backend, or a provider that may block: a receive thread of our
			// own
			Thread thread = new Thread(() -> inbound.pull(rx, gen), name + "-receive");
			thread.setDaemon(true);
			loopThread = thread;
			thread.start();
		}
		events.stateChanged(IpcClientState.RUNNING, null);
		log.debug("IPC client '{}' started", name);
	}

	void stop() {
		if (state.compareAndSet(IpcClientState.RUNNING, IpcClientState.STOPPING)) {
			shutDown(null);
		}
	}

	/**
	 * Stops because of a fatal error; safe to call from any thread, including the inbound
	 * path.
	 */
	void stopBecause(Throwable cause) {
		state.failedWith(cause);
		if (state.compareAndSet(IpcClientState.RUNNING, IpcClientState.STOPPING)) {
			shutDown(cause);
		}
	}

	private void shutDown(@Nullable Throwable cause) {
		BackendReceiver rx = state.endRun();
		Thread thread = loopThread;
		loopThread = null;
		if (rx != null) {
			rx.close();
		}
		if (thread != null && thread != Thread.currentThread()) {
			try {
				thread.join(LOOP_JOIN_TIMEOUT.toMillis());
				if (thread.isAlive()) {
					thread.interrupt();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		pending.failAll(new IpcClosedException("IPC client '" + state.name() + "' stopped"));
		departures.handleUnreached();
		keepAlive.end();
		state.set(IpcClientState.STOPPED);
		events.stateChanged(IpcClientState.STOPPED, cause);
		log.debug("IPC client '{}' stopped", state.name());
	}

	void close() {
		while (true) {
			IpcClientState current = state.get();
			if (current == IpcClientState.CLOSED) {
				return;
			}
			if (current == IpcClientState.RUNNING) {
				stop();
			}
			else if ((current == IpcClientState.NEW || current == IpcClientState.STOPPED)
					&& state.compareAndSet(current, IpcClientState.CLOSED)) {
				break;
			}
			else {
				Thread.onSpinWait();
			}
		}
		keepAlive.end(); // normally ended by stop() already
		pending.failAll(new IpcClosedException("IPC client '" + state.name() + "' closed"));
		subscriptions.closeAll();
		timer.shutdownNow();
		resender.shutdown();
		if (ownedExecutor != null) {
			shutDownHandlers(ownedExecutor);
		}
		events.stateChanged(IpcClientState.CLOSED, null);
	}

	/** Waits up to the shutdown timeout for running handlers, then interrupts them. */
	private void shutDownHandlers(ExecutorService executor) {
		executor.shutdown();
		try {
			if (!executor.awaitTermination(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
				log.warn("IPC client '{}': handlers still running after {} ms, interrupting them", state.name(),
						shutdownTimeout.toMillis());
				executor.shutdownNow();
			}
		}
		catch (InterruptedException ex) {
			executor.shutdownNow();
			Thread.currentThread().interrupt();
		}
	}

}
