package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one I/O thread of a socket transport: a selector serving every channel of the
 * process (the host's listening socket, every accepted connection, a peer's connection to
 * its host), the transport's timers (hello timeout, delayed closes, accept back-off) and
 * tasks handed over by other threads. Nothing run here may block: handlers only read and
 * write non-blocking channels and queue; the timeout of {@code select} is the delay to
 * the next timer.
 *
 * <p>
 * Frames queued on the loop thread while it handles a batch of ready channels (a host
 * turning a {@code Message} into a {@code Deliver}, a {@code Pong}, a reply produced by
 * an inline receiver) are written once, after the batch ({@link #flushAfterBatch}), so
 * several frames to one connection leave in one write.
 *
 * <p>
 * The thread is a daemon named {@code <prefix>-io}; {@link #close} stops it within a
 * deadline and closes the selector. A handler that throws is logged and its channel
 * closed by the handler itself; the loop keeps running.
 */
final class IoLoop {

	/**
	 * Something registered with the loop; called on the loop thread when its channel is
	 * ready.
	 */
	interface Handler {

		void ready(SelectionKey key);

	}

	/** A timer; {@link #cancel} is safe from any thread. */
	static final class Timer implements Comparable<Timer> {

		final long deadlineNanos;

		final Runnable task;

		private volatile boolean cancelled;

		Timer(long deadlineNanos, Runnable task) {
			this.deadlineNanos = deadlineNanos;
			this.task = task;
		}

		void cancel() {
			cancelled = true;
		}

		@Override
		public int compareTo(Timer other) {
			return Long.compare(deadlineNanos - other.deadlineNanos, 0);
		}

	}

	private static final Logger log = LoggerFactory.getLogger(IoLoop.class);

	/** Size of the one read buffer the loop reads every connection into. */
	static final int READ_CHUNK = 64 * 1024;

	/**
	 * Size of the one direct buffer the loop copies outgoing frames into (frames coalesce
	 * into one write).
	 */
	static final int WRITE_CHUNK = 64 * 1024;

	private final Selector selector;

	private final Thread thread;

	private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean wakeupPending = new AtomicBoolean();

	/** Loop thread only. */
	private final PriorityQueue<Timer> timers = new PriorityQueue<>();

	/** Connections with frames queued during the current batch (loop thread only). */
	private ArrayList<Connection> dirty = new ArrayList<>();

	/** The dirty list being flushed (loop thread only; swapped with {@link #dirty}). */
	private ArrayList<Connection> flushing = new ArrayList<>();

	/** The shared read buffer (loop thread only). */
	final ByteBuffer readBuffer = ByteBuffer.allocate(READ_CHUNK);

	/** The shared write buffer (loop thread only). */
	final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(WRITE_CHUNK);

	/** Scratch for a write batch (loop thread only). */
	final ByteBuffer[] writeBatch = new ByteBuffer[Connection.MAX_BATCH_FRAMES];

	private volatile boolean stopping;

	private volatile boolean stopped;

	IoLoop(String name) throws IOException {
		this.selector = Selector.open();
		this.thread = new Thread(this::run, name);
		this.thread.setDaemon(true);
	}

	void start() {
		thread.start();
	}

	boolean inLoop() {
		return Thread.currentThread() == thread;
	}

	/** Whether the loop has ended (or was never started and is closed). */
	boolean isStopped() {
		return stopped;
	}

	/**
	 * Runs {@code task} on the loop thread: at once if called there, else after the
	 * current batch. After the loop ended the task runs on the caller (so close actions
	 * still happen).
	 */
	void execute(Runnable task) {
		if (inLoop()) {
			safely(task);
			return;
		}
		later(task);
	}

	/**
	 * Runs {@code task} on the loop thread after the current batch, even if called there.
	 */
	void later(Runnable task) {
		if (stopped) {
			safely(task);
			return;
		}
		tasks.add(task);
		wakeup();
		if (stopped && tasks.remove(task)) {
			safely(task);
		}
	}

	/**
	 * Runs {@code task} on the loop thread once {@code delayNanos} have passed (at once
	 * if the loop has ended).
	 */
	Timer schedule(Runnable task, long delayNanos) {
		Timer timer = new Timer(System.nanoTime() + Math.max(0, delayNanos), task);
		if (inLoop() && !stopped) {
			timers.add(timer);
		}
		else {
			later(() -> {
				if (stopped) {
					safely(task); // ended: run at once, so close actions still happen
				}
				else {
					timers.add(timer);
				}
			});
		}
		return timer;
	}

	/**
	 * Registers {@code channel} (already non-blocking) for {@code ops}; loop thread only.
	 */
	SelectionKey register(SelectableChannel channel, int ops, Handler handler) throws ClosedChannelException {
		return channel.register(selector, ops, handler);
	}

	/**
	 * Asks for {@code connection} to be flushed after the current batch; loop thread
	 * only.
	 */
	void flushAfterBatch(Connection connection) {
		dirty.add(connection);
	}

	/** Wakes the loop from its select (not from the loop itself). */
	void wakeup() {
		if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
			selector.wakeup();
		}
	}

	private void run() {
		try {
			while (!stopping) {
				long timeoutMillis = nextTimeoutMillis();
				int ready;
				if (!tasks.isEmpty() || !dirty.isEmpty() || timeoutMillis < 0) {
					ready = selector.selectNow();
				}
				else {
					ready = selector.select(timeoutMillis);
				}
				wakeupPending.set(false);
				if (ready > 0) {
					Iterator<SelectionKey> it = selector.selectedKeys().iterator();
					while (it.hasNext()) {
						SelectionKey key = it.next();
						it.remove();
						if (key.isValid() && key.attachment() instanceof Handler handler) {
							try {
								handler.ready(key);
							}
							catch (CancelledKeyException ex) {
								// closed by another thread meanwhile
							}
							catch (RuntimeException ex) {
								log.error("Socket I/O handler failed", ex);
							}
						}
					}
				}
				runTasks();
				runTimers();
				flushDirty();
			}
		}
		catch (IOException | RuntimeException | Error ex) {
			log.error("The socket I/O loop failed; closing its connections", ex);
		}
		finally {
			stopped = true;
			for (SelectionKey key : selector.keys()) {
				if (key.attachment() instanceof Connection connection) {
					connection.closeNow();
				}
				else {
					closeQuietly(key.channel());
				}
			}
			runTasks();
			flushDirty();
			try {
				selector.close();
			}
			catch (IOException ex) {
				log.debug("Closing the selector failed: {}", ex.toString());
			}
			runTasks();
		}
	}

	/**
	 * -1 when a timer is due, 0 to wait without limit, else milliseconds to the next
	 * timer (at least 1).
	 */
	private long nextTimeoutMillis() {
		Timer next;
		while ((next = timers.peek()) != null && next.cancelled) {
			timers.poll();
		}
		if (next == null) {
			return 0;
		}
		long nanos = next.deadlineNanos - System.nanoTime();
		if (nanos <= 0) {
			return -1;
		}
		return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
	}

	private void runTasks() {
		// only what is queued now: a task that queues another does not keep the loop from
		// selecting
		for (int n = tasks.size(); n > 0; n--) {
			Runnable task = tasks.poll();
			if (task == null) {
				break;
			}
			safely(task);
		}
	}

	private void runTimers() {
		long now = System.nanoTime();
		Timer next;
		while ((next = timers.peek()) != null && (next.cancelled || next.deadlineNanos - now <= 0)) {
			timers.poll();
			if (!next.cancelled) {
				safely(next.task);
			}
		}
	}

	/**
	 * Flushes the connections that were dirty when the batch ended; one that asks again
	 * (a long queue) waits for the next round, after the others had their turn.
	 */
	private void flushDirty() {
		if (dirty.isEmpty()) {
			return;
		}
		ArrayList<Connection> now = dirty;
		dirty = flushing;
		flushing = now;
		for (int i = 0; i < now.size(); i++) {
			now.get(i).flushOnLoop();
		}
		now.clear();
	}

	private static void safely(Runnable task) {
		try {
			task.run();
		}
		catch (RuntimeException ex) {
			log.warn("Socket transport task failed", ex);
		}
	}

	private static void closeQuietly(SelectableChannel channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// nothing more to do
		}
	}

	/**
	 * Stops the loop after its current batch and waits for it until
	 * {@code deadlineNanos}; queued tasks still run. Idempotent; from the loop thread
	 * itself it only asks the loop to stop.
	 */
	void close(long deadlineNanos) {
		stopping = true;
		if (thread.getState() == Thread.State.NEW) {
			stopped = true;
			runTasks();
			try {
				selector.close();
			}
			catch (IOException ex) {
				// nothing to do
			}
			return;
		}
		selector.wakeup();
		if (inLoop()) {
			return;
		}
		try {
			long remaining = deadlineNanos - System.nanoTime();
			TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, remaining));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (thread.isAlive()) {
			log.warn("The socket I/O thread {} did not end in time", thread.getName());
		}
	}

	String threadName() {
		return thread.getName();
	}

}
