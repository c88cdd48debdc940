package dev.ipc.client;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongUnaryOperator;

/**
 * Expires pending RPCs without a timer task per request. Scheduling one task per request
 * costs a queue insertion and removal and, whenever the new task becomes the earliest
 * (always, with one request in flight), a wake-up of the timer thread on another CPU.
 * Instead, one sweep is scheduled for the earliest deadline known; a request whose
 * deadline is later than the scheduled sweep (the usual case: same timeout, later start)
 * schedules nothing. The sweep fails what has expired and schedules itself again for the
 * earliest deadline still pending.
 */
final class TimeoutSweeper {

	private static final long NONE = Long.MAX_VALUE;

	private final ScheduledExecutorService timer;

	/**
	 * Fails the requests expired at the given time and returns the earliest remaining
	 * deadline, or {@code NONE}.
	 */
	private final LongUnaryOperator sweep;

	private final ReentrantLock lock = new ReentrantLock();

	/**
	 * Deadline (nanoTime) of the next scheduled sweep, {@link #NONE} when none is
	 * scheduled.
	 */
	private volatile long sweepAt = NONE;

	TimeoutSweeper(ScheduledExecutorService timer, LongUnaryOperator sweep) {
		this.timer = timer;
		this.sweep = sweep;
	}

	/**
	 * Makes sure a sweep runs no later than {@code deadline}.
	 * @throws java.util.concurrent.RejectedExecutionException if the timer is shut down
	 */
	void watch(long deadline) {
		long at = sweepAt;
		if (at != NONE && at - deadline <= 0) {
			return;
		}
		schedule(deadline);
	}

	private void schedule(long deadline) {
		lock.lock();
		try {
			long at = sweepAt;
			if (at != NONE && at - deadline <= 0) {
				return;
			}
			sweepAt = deadline;
			timer.schedule(this::run, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		finally {
			lock.unlock();
		}
	}

	private void run() {
		long now = System.nanoTime();
		lock.lock();
		try {
			if (sweepAt != NONE && sweepAt - now > 0) {
				return; // superseded by an earlier sweep that rescheduled; the later one
						// is already planned
			}
			sweepAt = NONE;
		}
		finally {
			lock.unlock();
		}
		long next = sweep.applyAsLong(now);
		if (next != NONE) {
			try {
				schedule(next);
			}
			catch (java.util.concurrent.RejectedExecutionException ex) {
				// client closing: pending requests are failed by close()
			}
		}
	}

}
