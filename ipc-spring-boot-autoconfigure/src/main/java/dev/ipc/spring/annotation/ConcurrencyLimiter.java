package dev.ipc.spring.annotation;

import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs at most {@code limit} asynchronous tasks at once without blocking the submitter:
 * the others wait in submission order and start, on the executor, as running ones
 * complete.
 */
final class ConcurrencyLimiter {

	private final int limit;

	private final Executor executor;

	private final ReentrantLock lock = new ReentrantLock();

	private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

	private int active;

	ConcurrencyLimiter(int limit, Executor executor) {
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1, got " + limit);
		}
		this.limit = limit;
		this.executor = executor;
	}

	<R> CompletableFuture<R> submit(Callable<? extends CompletionStage<R>> task) {
		CompletableFuture<R> result = new CompletableFuture<>();
		Runnable run = () -> {
			CompletionStage<R> stage;
			try {
				stage = task.call();
			}
			catch (Throwable ex) {
				release();
				result.completeExceptionally(ex);
				return;
			}
			stage.whenComplete((value, failure) -> {
				release();
				if (failure != null) {
					result.completeExceptionally(failure);
				}
				else {
					result.complete(value);
				}
			});
		};
		boolean runNow;
		this.lock.lock();
		try {
			runNow = this.active < this.limit;
			if (runNow) {
				this.active++;
			}
			else {
				this.waiting.addLast(run);
			}
		}
		finally {
			this.lock.unlock();
		}
		if (runNow) {
			run.run();
		}
		return result;
	}

	private void release() {
		Runnable next;
		this.lock.lock();
		try {
			next = this.waiting.pollFirst();
			if (next == null) {
				this.active--;
			}
		}
		finally {
			this.lock.unlock();
		}
		if (next != null) {
			try {
				this.executor.execute(next);
			}
			catch (RejectedExecutionException ex) {
				next.run();
			}
		}
	}

	int waiting() {
		this.lock.lock();
		try {
			return this.waiting.size();
		}
		finally {
			this.lock.unlock();
		}
	}

}
