package dev.ipc.transport.socket;

import dev.ipc.internal.LogSafe;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;

/**
 * Logs the warnings a peer can trigger without letting a peer flood the log: each cause
 * is logged at WARN at most once a minute (at DEBUG in between), and all causes together
 * at most {@link #BUDGET} times a minute; the next warning after a suppressed one says
 * how many were suppressed. Causes must be fixed strings chosen by the code (a category,
 * a reject reason), never peer-controlled text; values a peer chose go through
 * {@link LogSafe}.
 */
final class RateLimitedLog {

	private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

	/** The most WARN lines one log writes per minute, over all causes. */
	static final int BUDGET = 10;

	private static final int MAX_CAUSES = 256;

	private final Logger log;

	private final ConcurrentHashMap<String, Long> lastWarned = new ConcurrentHashMap<>();

	private final ReentrantLock lock = new ReentrantLock();

	private long windowStart = System.nanoTime();

	private int inWindow;

	private final AtomicLong suppressed = new AtomicLong();

	RateLimitedLog(Logger log) {
		this.log = log;
	}

	void warn(String cause, String format, Object... args) {
		long now = System.nanoTime();
		boolean warn = false;
		long wasSuppressed = 0;
		lock.lock();
		try {
			Long last = lastWarned.get(cause);
			if (last == null || now - last > INTERVAL) {
				if (now - windowStart > INTERVAL) {
					windowStart = now;
					inWindow = 0;
				}
				if (inWindow < BUDGET) {
					inWindow++;
					if (lastWarned.size() >= MAX_CAUSES) {
						lastWarned.clear();
					}
					lastWarned.put(cause, now);
					warn = true;
					wasSuppressed = suppressed.getAndSet(0);
				}
			}
		}
		finally {
			lock.unlock();
		}
		if (warn) {
			if (wasSuppressed > 0) {
				log.warn(format + " (" + wasSuppressed + " similar warnings in the last minutes were logged at debug)",
						args);
			}
			else {
				log.warn(format, args);
			}
		}
		else {
			suppressed.incrementAndGet();
			log.debug(format, args);
		}
	}

	/**
	 * Forgets a cause, so its next occurrence is a warning again (e.g. after the problem
	 * went away).
	 */
	void reset(String cause) {
		lastWarned.remove(cause);
	}

}
