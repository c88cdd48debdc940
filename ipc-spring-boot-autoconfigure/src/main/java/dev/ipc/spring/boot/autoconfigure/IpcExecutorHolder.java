package dev.ipc.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Holds the executor that runs IPC handlers, subscriber callbacks and RPC completions,
 * shared by the client and the annotated-handler registries.
 *
 * <p>
 * It <em>holds</em> an {@link Executor} rather than being one on purpose: an
 * {@code Executor} bean would make Spring Boot back off its
 * {@code applicationTaskExecutor}. Define a bean of this type to run handlers on an
 * executor of your own; an executor passed to {@link #of(Executor)} is not shut down.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcExecutorHolder implements AutoCloseable {

	private final Executor executor;

	private final @Nullable Runnable shutdown;

	private final String description;

	private IpcExecutorHolder(Executor executor, @Nullable Runnable shutdown, String description) {
		this.executor = executor;
		this.shutdown = shutdown;
		this.description = description;
	}

	/**
	 * Uses an executor managed elsewhere; it is not shut down when the context closes.
	 * @param executor the executor
	 * @return the holder
	 */
	public static IpcExecutorHolder of(Executor executor) {
		Objects.requireNonNull(executor, "executor");
		return new IpcExecutorHolder(executor, null, executor.toString());
	}

	/** Upper bound of the platform thread pool. */
	static final int MAX_PLATFORM_THREADS = 256;

	/**
	 * A pool of daemon platform threads, shut down when the context closes. It keeps
	 * {@code threads} threads ready and grows on demand up to
	 * {@value #MAX_PLATFORM_THREADS}, so that handlers which wait for another RPC cannot
	 * use up the threads that RPC's completion needs (a fixed pool with a queue would
	 * deadlock then). Beyond the bound the submitting thread runs the task.
	 * @param threads the number of threads kept ready
	 * @param threadNamePrefix prefix of the thread names
	 * @param terminationTimeout how long closing waits for running tasks before
	 * interrupting them
	 * @return the holder
	 */
	public static IpcExecutorHolder platformThreads(int threads, String threadNamePrefix, Duration terminationTimeout) {
		CustomizableThreadFactory factory = new CustomizableThreadFactory(threadNamePrefix);
		factory.setDaemon(true);
		ExecutorService pool = new ThreadPoolExecutor(threads, Math.max(threads, MAX_PLATFORM_THREADS), 60,
				TimeUnit.SECONDS, new SynchronousQueue<>(), factory, new ThreadPoolExecutor.CallerRunsPolicy());
		return new IpcExecutorHolder(pool, () -> {
			pool.shutdown();
			try {
				if (!pool.awaitTermination(terminationTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
					pool.shutdownNow();
				}
			}
			catch (InterruptedException ex) {
				pool.shutdownNow();
				Thread.currentThread().interrupt();
			}
		}, threads + " to " + Math.max(threads, MAX_PLATFORM_THREADS) + " platform threads '" + threadNamePrefix
				+ "*'");
	}

	/**
	 * A new virtual thread per task, closed (waiting for running tasks) when the context
	 * closes.
	 * @param threadNamePrefix prefix of the thread names
	 * @param terminationTimeout how long closing waits for running tasks
	 * @return the holder
	 */
	public static IpcExecutorHolder virtualThreads(String threadNamePrefix, Duration terminationTimeout) {
		SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor(threadNamePrefix);
		executor.setVirtualThreads(true);
		executor.setTaskTerminationTimeout(terminationTimeout.toMillis());
		return new IpcExecutorHolder(executor, executor::close, "virtual threads '" + threadNamePrefix + "*'");
	}

	/** The executor. */
	public Executor getExecutor() {
		return this.executor;
	}

	/** Shuts the executor down if this holder created it. */
	@Override
	public void close() {
		if (this.shutdown != null) {
			this.shutdown.run();
		}
	}

	@Override
	public String toString() {
		return "IpcExecutorHolder[" + this.description + "]";
	}

}
