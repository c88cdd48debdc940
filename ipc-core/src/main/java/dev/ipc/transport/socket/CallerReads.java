package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of one {@link Connection} shared between the I/O loop and application
 * threads that lend themselves to it ({@link dev.ipc.spi.ReceiveDriver}): a turn held by
 * at most one reader at a time. The loop takes it for one batch whenever the channel is
 * readable and nobody else holds it. A caller takes it and reads the channel on its own
 * thread, blocking in a selector of its own that watches only this channel (so timers,
 * tasks and writes keep running on the loop), until its condition holds. The first time
 * the loop finds the channel readable while a caller holds the turn (both were woken by
 * the same data) it leaves the data to the caller and stops watching the channel
 * ({@link #loopBlocked}), so later responses wake only the caller. Callers never wake the
 * loop to watch again: the loop looks every {@link #RECHECK_NANOS} and watches again once
 * no caller has held the turn for half of that ({@link #recheck}); a caller that lets go
 * hands the turn to the next waiting caller, if any. So a tight loop of calls costs no
 * wake-up of the loop per call, and a frame that arrives after the last call while nobody
 * reads waits at most about two milliseconds for the loop. Frames are read in order by
 * whoever holds the turn, handed to the connection's listener exactly as on the loop.
 *
 * <p>
 * Costs: one selector (an epoll and a wake-up descriptor) and one read buffer per
 * connection, made on the first caller read and released at close.
 */
final class CallerReads {

	private static final Logger log = LoggerFactory.getLogger(CallerReads.class);

	/** What the connection provides. */
	interface Side {

		/** Reads what is there without blocking, delivering the frames (turn holder). */
		void readAvailable(ByteBuffer buffer);

		/** Turns the loop's read interest off or on ({@code on}: and wakes the loop). */
		void loopReads(boolean on);

		/** Runs {@code task} on the loop after {@code delayNanos} (loop thread only). */
		void onLoopAfter(Runnable task, long delayNanos);

		/** Registers the channel with {@code selector} for reading. */
		SelectionKey register(Selector selector) throws IOException;

		boolean isOpen();

	}

	/** What a turn of a caller ended with. */
	enum Outcome {

		/** The condition holds. */
		DONE,
		/** The deadline passed. */
		TIMEOUT,
		/**
		 * The caller cannot read (the connection closed, or no selector): wait instead.
		 */
		CANNOT

	}

	private final Side side;

	private final ReentrantLock lock = new ReentrantLock();

	/** The caller holding the turn, or null (guarded by lock; volatile for wake). */
	private volatile @Nullable Thread owner;

	/** The loop is reading a batch (guarded by lock). */
	private boolean loopReading;

	/**
	 * While the loop does not watch the channel, how often it looks whether callers are
	 * done with it: it watches again once no caller has held the turn for half of this.
	 */
	static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	/** {@link System#nanoTime()} when a caller last let go of the turn. */
	private volatile long releasedNanos = System.nanoTime();

	/** The loop turned its read interest off for a caller (guarded by lock). */
	private boolean loopBackedOff;

	/** Callers waiting for the turn, first come first served (guarded by lock). */
	private final ArrayDeque<Thread> waiting = new ArrayDeque<>();

	/** The callers' selector, made on first use (guarded by lock). */
	private @Nullable Selector selector;

	private @Nullable ByteBuffer buffer;

	private volatile boolean closed;

	/** Run once the turn is free after close (the loop's "reader done"). */
	private @Nullable Runnable afterClose;

	CallerReads(Side side) {
		this.side = side;
	}

	// ------------------------------------------------------------ the loop's side

	/** The loop asks for one batch; false when a caller holds the turn. */
	boolean tryLoop() {
		lock.lock();
		try {
			if (owner != null) {
				return false;
			}
			loopReading = true;
			return true;
		}
		finally {
			lock.unlock();
		}
	}

	/** The loop's batch is done; a waiting caller gets the turn. */
	void loopDone() {
		lock.lock();
		try {
			loopReading = false;
			if (!waiting.isEmpty()) {
				grantNext();
			}
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * After the connection closed: runs {@code task} once no caller holds the turn (at
	 * once if none does).
	 */
	void whenFree(Runnable task) {
		lock.lock();
		try {
			closed = true;
			if (owner != null) {
				afterClose = task;
				wakeSelector();
				return;
			}
			closeSelector();
		}
		finally {
			lock.unlock();
		}
		task.run();
	}

	// ------------------------------------------------------------ a caller's side

	/**
	 * Reads as the calling thread until {@code condition} holds, the deadline passes, or
	 * the connection closes; waits for the turn when someone else holds it.
	 * @throws InterruptedException if interrupted (the turn is handed on first)
	 */
	Outcome drive(BooleanSupplier condition, long deadlineNanos, long spinNanos) throws InterruptedException {
		Thread me = Thread.currentThread();
		if (owner == me) {
			return Outcome.CANNOT; // nested: a frame this thread delivers waits for
									// another
		}
		if (condition.getAsBoolean()) {
			return Outcome.DONE;
		}
		// only the thread that reads spins: a follower parks (many spinning followers
		// would
		// take the CPU the leader and the peer need)
		if (!acquire(me, condition, deadlineNanos)) {
			if (Thread.interrupted()) {
				throw new InterruptedException();
			}
			if (condition.getAsBoolean()) {
				return Outcome.DONE;
			}
			return (deadlineNanos - System.nanoTime() <= 0) ? Outcome.TIMEOUT : Outcome.CANNOT;
		}
		try {
			return lead(condition, deadlineNanos, spinNanos);
		}
		finally {
			release(me);
		}
	}

	/**
	 * Waits without reading until {@code condition} holds or the deadline passes (woken
	 * by {@link LockSupport#unpark}); after spinning {@code spinNanos} first.
	 * @return whether the condition holds
	 */
	static boolean park(BooleanSupplier condition, long deadlineNanos, long spinNanos) throws InterruptedException {
		long spinEnd = System.nanoTime() + spinNanos;
		while (!condition.getAsBoolean()) {
			long now = System.nanoTime();
			long remaining = deadlineNanos - now;
			if (remaining <= 0) {
				return false;
			}
			if (now - spinEnd < 0) {
				Thread.onSpinWait();
				continue;
			}
			LockSupport.parkNanos(CallerReads.class, remaining);
			if (Thread.interrupted()) {
				throw new InterruptedException();
			}
		}
		return true;
	}

	/** Wakes {@code waiter} if it holds the turn (its selector) or waits for it. */
	void wake(Thread waiter) {
		if (owner == waiter) {
			lock.lock();
			try {
				wakeSelector();
			}
			finally {
				lock.unlock();
			}
		}
		LockSupport.unpark(waiter);
	}

	/** The caller holding the turn, if any (for tests and diagnostics). */
	@Nullable Thread caller() {
		return owner;
	}

	private boolean acquire(Thread me, BooleanSupplier condition, long deadlineNanos) {
		lock.lock();
		try {
			if (closed) {
				return false;
			}
			if (owner == null && !loopReading) {
				take(me);
				return true;
			}
			waiting.addLast(me);
		}
		finally {
			lock.unlock();
		}
		boolean interrupted = false;
		try {
			while (owner != me && !closed && !condition.getAsBoolean()) {
				long remaining = deadlineNanos - System.nanoTime();
				if (remaining <= 0) {
					break;
				}
				LockSupport.parkNanos(this, remaining);
				if (Thread.interrupted()) {
					interrupted = true;
					break;
				}
			}
		}
		finally {
			lock.lock();
			try {
				waiting.remove(me);
			}
			finally {
				lock.unlock();
			}
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
		if (owner == me) {
			// granted, possibly just as it gave up: it leads (and at once lets go if it
			// is done or interrupted)
			return true;
		}
		return false;
	}

	private void take(Thread me) {
		owner = me;
	}

	/**
	 * The loop found the channel readable while a caller holds the turn (both were woken
	 * by the same data; the caller reads it). The loop turns its read interest off, so
	 * that further data wakes only the caller, and looks again later ({@link #recheck}).
	 */
	void loopBlocked() {
		lock.lock();
		try {
			if (owner != null && !loopBackedOff) {
				loopBackedOff = true;
				side.loopReads(false);
				side.onLoopAfter(this::recheck, RECHECK_NANOS);
			}
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * On the loop, while it does not watch the channel: watches it again once no caller
	 * has held the turn for a while (callers in a tight loop take it again within
	 * microseconds), else looks again later. A caller never wakes the loop for this.
	 */
	private void recheck() {
		lock.lock();
		try {
			if (!loopBackedOff) {
				return;
			}
			if (closed || !side.isOpen()) {
				loopBackedOff = false;
				return;
			}
			if (owner == null && System.nanoTime() - releasedNanos >= RECHECK_NANOS / 2) {
				loopBackedOff = false;
				side.loopReads(true);
				return;
			}
		}
		finally {
			lock.unlock();
		}
		side.onLoopAfter(this::recheck, RECHECK_NANOS);
	}

	/** Hands the turn to the first waiting caller (lock held). */
	private void grantNext() {
		Thread next = waiting.pollFirst();
		if (next == null) {
			return;
		}
		take(next);
		LockSupport.unpark(next);
	}

	private void release(Thread me) {
		Runnable after = null;
		lock.lock();
		try {
			if (owner != me) {
				return;
			}
			owner = null;
			releasedNanos = System.nanoTime();
			if (closed) {
				closeSelector();
				after = afterClose;
				afterClose = null;
				waiting.forEach(LockSupport::unpark);
			}
			else if (!waiting.isEmpty()) {
				grantNext();
			}
			// a loop that stopped watching watches again on its own (recheck): no wake-up
			// of the loop per call
		}
		finally {
			lock.unlock();
		}
		if (after != null) {
			after.run();
		}
	}

	private Outcome lead(BooleanSupplier condition, long deadlineNanos, long spinNanos) throws InterruptedException {
		Selector sel;
		ByteBuffer in;
		lock.lock();
		try {
			if (closed || !side.isOpen()) {
				return Outcome.CANNOT;
			}
			sel = selector;
			if (sel == null) {
				try {
					sel = Selector.open();
					side.register(sel);
				}
				catch (IOException | RuntimeException ex) {
					log.debug("No selector for a calling thread's reads: {}", ex.toString());
					if (sel != null) {
						closeQuietly(sel);
					}
					return Outcome.CANNOT;
				}
				selector = sel;
				buffer = ByteBuffer.allocate(IoLoop.READ_CHUNK);
			}
			in = buffer;
		}
		finally {
			lock.unlock();
		}
		if (in == null) {
			return Outcome.CANNOT;
		}
		try {
			// wait first, read when the selector says so: the channel was drained by
			// whoever
			// held the turn before, and the selector reports data that came since at once
			while (true) {
				if (condition.getAsBoolean()) {
					return Outcome.DONE;
				}
				if (!side.isOpen()) {
					return Outcome.CANNOT;
				}
				if (Thread.interrupted()) {
					throw new InterruptedException();
				}
				long now = System.nanoTime();
				long remaining = deadlineNanos - now;
				if (remaining <= 0) {
					return Outcome.TIMEOUT;
				}
				int ready;
				if (spinNanos > 0 && spin(sel, condition, now + Math.min(spinNanos, remaining))) {
					ready = 1;
				}
				else {
					ready = sel.select(Math.max(1,
							TimeUnit.NANOSECONDS.toMillis(Math.min(remaining, Long.MAX_VALUE / 2) + 999_999)));
					sel.selectedKeys().clear();
				}
				if (ready > 0) {
					side.readAvailable(in);
				}
			}
		}
		catch (IOException | ClosedSelectorException ex) {
			return Outcome.CANNOT;
		}
	}

	/**
	 * Polls without sleeping until {@code endNanos}; true when something is to be read or
	 * the condition holds.
	 */
	private static boolean spin(Selector sel, BooleanSupplier condition, long endNanos) throws IOException {
		while (System.nanoTime() - endNanos < 0) {
			if (sel.selectNow() > 0) {
				sel.selectedKeys().clear();
				return true;
			}
			if (condition.getAsBoolean()) {
				return true;
			}
			Thread.onSpinWait();
		}
		return false;
	}

	private void wakeSelector() {
		Selector sel = selector;
		if (sel != null) {
			sel.wakeup();
		}
	}

	private void closeSelector() {
		Selector sel = selector;
		selector = null;
		buffer = null;
		if (sel != null) {
			closeQuietly(sel);
		}
	}

	private static void closeQuietly(Selector sel) {
		try {
			sel.close();
		}
		catch (IOException ex) {
			// nothing more to do
		}
	}

}
