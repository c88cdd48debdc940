package dev.ipc.spring.annotation;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts handler invocations in progress and refuses new ones while paused, so that
 * stopping can wait for the running ones to finish (graceful drain). A
 * {@link ReentrantLock}, not {@code synchronized}, so virtual threads waiting here do not
 * pin their carrier.
 */
final class InFlightTracker {

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition idle = this.lock.newCondition();

	private int count;

	private boolean paused = true;

	/** Counts one more invocation, unless paused. */
	boolean tryEnter() {
		this.lock.lock();
		try {
			if (this.paused) {
				return false;
			}
			this.count++;
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Ends one counted invocation. */
	void exit() {
		this.lock.lock();
		try {
			this.count--;
			if (this.count <= 0) {
				this.count = 0;
				this.idle.signalAll();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	void pause() {
		this.lock.lock();
		try {
			this.paused = true;
		}
		finally {
			this.lock.unlock();
		}
	}

	void resume() {
		this.lock.lock();
		try {
			this.paused = false;
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean isPaused() {
		this.lock.lock();
		try {
			return this.paused;
		}
		finally {
			this.lock.unlock();
		}
	}

	int inFlight() {
		this.lock.lock();
		try {
			return this.count;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits until no invocation is in progress or {@code deadlineNanos}
	 * ({@link System#nanoTime()}) passes.
	 * @return whether it became idle
	 */
	boolean awaitIdle(long deadlineNanos) throws InterruptedException {
		this.lock.lock();
		try {
			while (this.count > 0) {
				long remaining = deadlineNanos - System.nanoTime();
				if (remaining <= 0) {
					return false;
				}
				this.idle.await(remaining, TimeUnit.NANOSECONDS);
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

}
