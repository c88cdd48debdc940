package dev.ipc.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * At most one log line per key per interval (real time), counting the ones it suppresses,
 * so a peer cannot flood the log (used by the Noise provider and the NATS transport);
 * arguments are escaped by the caller ({@link LogSafe}). Keys are fixed strings chosen by
 * the code, at most 64 live at once. Not API.
 */
public final class LogLimiter {

	private static final int MAX_KEYS = 64;

	private final long intervalNanos;

	private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

	/** A limiter letting one line per key through every {@code intervalNanos}. */
	public LogLimiter(long intervalNanos) {
		this.intervalNanos = intervalNanos;
	}

	/**
	 * Logs a WARN for {@code key} unless one was logged within the interval; arguments
	 * should be escaped.
	 */
	public void warn(Logger log, String key, String format, Object... arguments) {
		long suppressed = acquire(key);
		if (suppressed < 0) {
			return;
		}
		log.warn(suppressed == 0 ? format : format + " (" + suppressed + " similar suppressed)", arguments);
	}

	/** Same as {@link #warn} at ERROR level. */
	public void error(Logger log, String key, String format, Object... arguments) {
		long suppressed = acquire(key);
		if (suppressed < 0) {
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
		return window.acquire(System.nanoTime(), intervalNanos);
	}

	private static final class Window {

		private long lastNanos;

		private boolean used;

		private final AtomicLong suppressed = new AtomicLong();

		synchronized long acquire(long now, long intervalNanos) {
			if (used && now - lastNanos < intervalNanos) {
				suppressed.incrementAndGet();
				return -1;
			}
			used = true;
			lastNanos = now;
			return suppressed.getAndSet(0);
		}

	}

}
