package dev.ipc.client;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.ReceiveDriver;

/**
 * How a synchronous {@link IpcClient#call} waits for its response: by lending the calling
 * thread to the backend's receive side when the backend can use it
 * ({@link ReceiveDriver}), else on the request's future; optionally polling for a bounded
 * time first ({@link IpcClientBuilder#rpcSpin}). The caller enforces the call's deadline
 * itself, so no timer thread is involved. Failures come out as the exceptions the future
 * would have completed with.
 */
final class SyncCall {

	private final @Nullable ReceiveDriver driver;

	private final long spinNanos;

	SyncCall(CommunicationBackend backend, Duration spin) {
		this.driver = (backend instanceof ReceiveDriver d) ? d : null;
		this.spinNanos = spin.toNanos();
	}

	/**
	 * Waits for {@code future} until {@code deadlineNanos}; then fails it with
	 * {@code timeout}.
	 * @param drive whether the calling thread may read for itself (the client receives)
	 */
	<R> R await(CompletableFuture<R> future, long deadlineNanos, boolean drive,
			Supplier<? extends RuntimeException> timeout) throws InterruptedException {
		boolean done;
		ReceiveDriver d = driver;
		try {
			if (d != null && drive) {
				Thread me = Thread.currentThread();
				if (!future.isDone()) {
					future.whenComplete((value, failure) -> d.wake(me));
				}
				done = d.driveUntil(future::isDone, deadlineNanos, spinNanos);
			}
			else {
				done = waitFor(future, deadlineNanos);
			}
		}
		catch (InterruptedException ex) {
			future.cancel(false);
			throw ex;
		}
		if (!done) {
			future.completeExceptionally(timeout.get());
		}
		return result(future);
	}

	private boolean waitFor(CompletableFuture<?> future, long deadlineNanos) throws InterruptedException {
		long spinEnd = System.nanoTime() + spinNanos;
		while (!future.isDone() && System.nanoTime() - spinEnd < 0) {
			Thread.onSpinWait();
		}
		long remaining = deadlineNanos - System.nanoTime();
		if (future.isDone() || remaining <= 0) {
			return future.isDone();
		}
		try {
			future.get(remaining, TimeUnit.NANOSECONDS);
		}
		catch (ExecutionException | CancellationException ex) {
			// the result tells
		}
		catch (TimeoutException ex) {
			return future.isDone();
		}
		return true;
	}

	/**
	 * What {@link IpcClient#call}'s default does: waits on the future without a deadline
	 * of its own (the request's timeout fails it).
	 */
	static <R> R await(CompletableFuture<R> future) throws InterruptedException {
		try {
			future.get();
		}
		catch (InterruptedException ex) {
			future.cancel(false);
			throw ex;
		}
		catch (ExecutionException | CancellationException ex) {
			// the result tells
		}
		return result(future);
	}

	/** The completed future's value, or its failure thrown as it is. */
	static <R> R result(CompletableFuture<R> future) {
		try {
			return future.join();
		}
		catch (CompletionException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			if (cause instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw new IpcException(ErrorKind.OTHER, "RPC failed: " + cause, cause);
		}
	}

}
