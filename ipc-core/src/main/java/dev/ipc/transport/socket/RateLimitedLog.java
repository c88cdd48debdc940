package dev.ipc.transport.socket;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;

/**
 * Logs a warning at most once a minute per cause, and at debug level in between, so a peer retrying a refused
 * connection every few seconds does not flood the log.
 */
final class RateLimitedLog {

	private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

	private static final int MAX_CAUSES = 256;

	private final Logger log;

	private final ConcurrentHashMap<String, Long> lastWarned = new ConcurrentHashMap<>();

	RateLimitedLog(Logger log) {
		this.log = log;
	}

	void warn(String cause, String format, Object... args) {
		long now = System.nanoTime();
		Long last = lastWarned.get(cause);
		if (last == null || now - last > INTERVAL) {
			if (lastWarned.size() >= MAX_CAUSES) {
				lastWarned.clear();
			}
			lastWarned.put(cause, now);
			log.warn(format, args);
		}
		else {
			log.debug(format, args);
		}
	}

	/** Forgets a cause, so its next occurrence is a warning again (e.g. after the problem went away). */
	void reset(String cause) {
		lastWarned.remove(cause);
	}

}
