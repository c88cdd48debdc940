package dev.ipc.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a warning that a peer can trigger again and again through at most once per
 * interval, so a flood cannot flood the log; the caller logs the others at debug.
 */
final class WarningLimiter {

	/**
	 * How often a warning that a peer can trigger repeatedly may be logged at warn (the
	 * others go to debug).
	 */
	static final Duration PEER_WARNING_INTERVAL = Duration.ofSeconds(10);

	private final long intervalNanos;

	private final AtomicLong nextAllowed;

	WarningLimiter(Duration interval) {
		this.intervalNanos = interval.toNanos();
		this.nextAllowed = new AtomicLong(System.nanoTime());
	}

	/** Whether this occurrence may be logged at warn. */
	boolean allow() {
		long now = System.nanoTime();
		long next = nextAllowed.get();
		return now - next >= 0 && nextAllowed.compareAndSet(next, now + intervalNanos);
	}

	/** The interval in whole seconds, for log messages. */
	long intervalSeconds() {
		return Duration.ofNanos(intervalNanos).toSeconds();
	}

}
