package dev.ipc.client;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Creates daemon threads named {@code <prefix>-<n>}. */
public final class NamedThreadFactory implements ThreadFactory {

	private final String prefix;

	private final AtomicInteger counter = new AtomicInteger();

	/** A factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ... */
	public NamedThreadFactory(String prefix) {
		this.prefix = prefix;
	}

	@Override
	public Thread newThread(Runnable task) {
		Thread thread = new Thread(task, prefix + "-" + counter.incrementAndGet());
		thread.setDaemon(true);
		return thread;
	}

}
