package dev.ipc.client;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.IpcClosedException;

/**
 * Where a client stands in its life cycle, as its parts ask about it: the state (changed
 * only by compare-and-set, by {@link ClientLifecycle}), the run it is in (a generation
 * number per {@code start()}, so an inbound path left over from an earlier run ignores
 * what still arrives), the receiver of the current run, and the fatal error that stopped
 * it last. Thread-safe; it only records, it does nothing.
 */
final class ClientState {

	private final String name;

	private final AtomicReference<IpcClientState> state = new AtomicReference<>(IpcClientState.NEW);

	private final AtomicInteger generation = new AtomicInteger();

	private volatile @Nullable BackendReceiver receiver;

	private volatile @Nullable Throwable lastFatalError;

	ClientState(String name) {
		this.name = name;
	}

	String name() {
		return name;
	}

	IpcClientState get() {
		return state.get();
	}

	boolean compareAndSet(IpcClientState expected, IpcClientState next) {
		return state.compareAndSet(expected, next);
	}

	void set(IpcClientState next) {
		state.set(next);
	}

	boolean isRunning() {
		return state.get() == IpcClientState.RUNNING;
	}

	boolean isClosed() {
		return state.get() == IpcClientState.CLOSED;
	}

	/** Whether run {@code gen} is the one running now. */
	boolean isCurrent(int gen) {
		return generation.get() == gen && isRunning();
	}

	/**
	 * @throws IpcClosedException if the client is closed
	 */
	void ensureOpen() {
		if (isClosed()) {
			throw closed();
		}
	}

	IpcClosedException closed() {
		return new IpcClosedException("IPC client '" + name + "' is closed");
	}

	/**
	 * A new run receives from {@code rx}; from now on departures are queued behind what
	 * it holds.
	 * @return the run's generation
	 */
	int beginRun(BackendReceiver rx) {
		receiver = rx;
		int gen = generation.incrementAndGet();
		lastFatalError = null;
		return gen;
	}

	/** The run ends: returns its receiver (to close), if there was one. */
	@Nullable BackendReceiver endRun() {
		BackendReceiver rx = receiver;
		receiver = null;
		return rx;
	}

	/** The receiver of the current run, {@code null} while not receiving. */
	@Nullable BackendReceiver receiver() {
		return receiver;
	}

	/** Whether the client receives now (a run is on and it is running). */
	boolean receives() {
		return receiver != null && isRunning();
	}

	void failedWith(Throwable cause) {
		lastFatalError = cause;
	}

	@Nullable Throwable lastFatalError() {
		return lastFatalError;
	}

}
