package dev.ipc.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * At most one log line per key per interval (real time), and optionally at most a budget
 * of lines per interval over all keys together, so a peer cannot flood the log (used by
 * the Noise provider and the NATS and socket transports). A suppressed line is logged at
 * DEBUG instead; the next line let through for its key says how many were suppressed.
 * Arguments are escaped by the caller ({@link LogSafe}). Keys are fixed strings chosen by
 * the code (a category, a reject reason), never peer-controlled text, at most 256 live at
 * once. Not API.
 */
public final class LogLimiter {

	private static final int MAX_KEYS = 256;

	private final long intervalNanos;

	private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

	/** Lines let through per interval over all keys, or null for no such bound. */
	private final @Nullable Budget budget;

	/** A limiter letting one line per key through every {@code intervalNanos}. */
	public LogLimiter(long intervalNanos) {
		this.intervalNanos = intervalNanos;
		this.budget = null;
	}

	/**
	 * A limiter letting one line per key, and at most {@code budget} lines over all keys,
	 * through every {@code intervalNanos}.
	 */
	public LogLimiter(long intervalNanos, int budget) {
		this.intervalNanos = intervalNanos;
		this.budget = new Budget(budget);
	}

	/**
	 * Logs a WARN for {@code key} unless the key or the budget is used up for the
	 * interval (then at DEBUG); arguments should be escaped.
	 */
	public void warn(Logger log, String key, String format, Object... arguments) {
		long suppressed = acquire(key);
		if (suppressed < 0) {
			log.debug(format, arguments);
			return;
		}
		log.warn(suppressed == 0 ? format : format + " (" + suppressed + " similar suppressed)", arguments);
	}

	/** Same as {@link #warn} at ERROR level. */
	public void error(Logger log, String key, String format, Object... arguments) {
		long suppressed = acquire(key);
		if (suppressed < 0) {
			log.debug(format, arguments);
			return;
		}
		log.error(suppressed == 0 ? format : format + " (" + suppressed + " similar suppressed)", arguments);
	}

	/** The number suppressed since the last line, or -1 if this one is suppressed. */
	private long acquire(String key) {
		Window window = windows.get(key);
		if (window == null) {
			if (windows.size() >= MAX_KEYS) {
				windows.clear();
			}
			window = windows.computeIfAbsent(key, k -> new Window());
		}
		return window.acquire(System.nanoTime(), intervalNanos, budget);
	}

	private static final class Window {

		private long lastNanos;

		private boolean used;

		private final AtomicLong suppressed = new AtomicLong();

		synchronized long acquire(long now, long intervalNanos, @Nullable Budget budget) {
			if ((used && now - lastNanos < intervalNanos) || (budget != null && !budget.take(now, intervalNanos))) {
				suppressed.incrementAndGet();
				return -1;
			}
			used = true;
			lastNanos = now;
			return suppressed.getAndSet(0);
		}

	}

	/** Lines let through in the current interval, over all keys. */
	private static final class Budget {

		private final int lines;

		private long windowStart = System.nanoTime();

		private int used;

		Budget(int lines) {
			this.lines = lines;
		}

		synchronized boolean take(long now, long intervalNanos) {
			if (now - windowStart > intervalNanos) {
				windowStart = now;
				used = 0;
			}
			if (used >= lines) {
				return false;
			}
			used++;
			return true;
		}

	}

}
