package dev.ipc.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator for the stress scenarios: {@code n} threads that spin on arithmetic
 * until closed, so that the processes under test compete for the CPUs (on a small
 * machine, one per core keeps every core busy). The threads are daemons and named
 * {@code cpu-load-<i>}; {@link #close()} stops and joins them. {@link #spins()} tells
 * that they ran.
 */
public final class CpuLoad implements AutoCloseable {

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final AtomicLong spins = new AtomicLong();

	private final List<Thread> threads = new ArrayList<>();

	private CpuLoad(int n) {
		for (int i = 0; i < n; i++) {
			Thread thread = new Thread(this::spin, "cpu-load-" + i);
			thread.setDaemon(true);
			thread.setPriority(Thread.NORM_PRIORITY);
			threads.add(thread);
			thread.start();
		}
	}

	/**
	 * Starts {@code ipc.stress.load-threads} busy threads (the build sets 1 by default
	 * and one per processor with {@code -Pstress}); 0 or unset: one per available
	 * processor.
	 */
	public static CpuLoad configured() {
		int n = Integer.getInteger("ipc.stress.load-threads", 0);
		return new CpuLoad((n > 0) ? n : Runtime.getRuntime().availableProcessors());
	}

	/** Starts one busy thread per available processor. */
	public static CpuLoad perProcessor() {
		return new CpuLoad(Runtime.getRuntime().availableProcessors());
	}

	/** Starts {@code n} busy threads. */
	public static CpuLoad threads(int n) {
		return new CpuLoad(n);
	}

	private void spin() {
		long x = 1;
		while (running.get()) {
			for (int i = 0; i < 100_000; i++) {
				x = x * 6364136223846793005L + 1442695040888963407L;
			}
			spins.addAndGet((x & 1) + 1);
		}
	}

	/** Rounds of work done so far (grows while the load runs). */
	public long spins() {
		return spins.get();
	}

	@Override
	public void close() throws InterruptedException {
		running.set(false);
		for (Thread thread : threads) {
			thread.join(5_000);
		}
	}

}
