package dev.ipc.nats;

import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;

/**
 * Logs at most one warning per key per ten seconds, so a hostile or broken peer cannot
 * flood the log. Callers escape peer-controlled text with
 * {@link dev.ipc.internal.LogSafe}. The key set is fixed by the callers (a handful).
 */
final class WarnLimiter {

	private static final long PERIOD_NANOS = 10_000_000_000L;

	private final Logger log;

	private final ConcurrentHashMap<String, Long> last = new ConcurrentHashMap<>();

	WarnLimiter(Logger log) {
		this.log = log;
	}

	void warn(String key, String format, Object... args) {
		long now = System.nanoTime();
		Long previous = last.get(key);
		if (previous != null && now - previous < PERIOD_NANOS) {
			return;
		}
		last.put(key, now);
		log.warn(format, args);
	}

}
