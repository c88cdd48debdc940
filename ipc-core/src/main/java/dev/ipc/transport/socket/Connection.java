package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket connection served by the transport's {@link IoLoop}: no thread of its own.
 * When the channel is readable the loop reads it ({@link FrameReader}) and hands each
 * frame to the {@link Listener} on the loop thread, so the listener must not block;
 * {@link #offer} queues or writes frames without blocking ({@link OutboundQueue}). A
 * peer's connection to its host may also be read by an application thread waiting for its
 * own response ({@link CallerReads}). This class ties the two sides to the channel's
 * lifecycle: registration, closing (gracefully after the queue drained, or at once) and
 * the listener's {@code onClosed} and {@code onReaderDone}, each exactly once.
 */
final class Connection implements IoLoop.Handler {

	/**
	 * What happens to the frames read from a connection. Every method runs on the loop
	 * thread (or the caller holding the read turn) except onClosed.
	 */
	interface Listener {

		/**
		 * One complete frame body (CBOR, no prefix). The array is reused afterwards: copy
		 * what must be kept.
		 */
		void onFrame(Connection connection, byte[] buffer, int offset, int length);

		/**
		 * A length prefix above {@code limit} arrived; the connection is closed right
		 * after.
		 */
		void onOversized(Connection connection, long length, int limit);

		/** The stream ended inside a frame; the connection is closed right after. */
		void onTruncated(Connection connection);

		/** The connection closed (called exactly once, on whichever thread closed it). */
		void onClosed(Connection connection);

		/**
		 * No frame of this connection is being or will be handled any more. Called once,
		 * after {@link #onClosed}, on the loop thread (or on the closing thread once the
		 * loop has ended).
		 */
		default void onReaderDone(Connection connection) {
		}

	}

	/** The result of {@link #offer}. */
	enum Offer {

		ACCEPTED, FULL, CLOSED

	}

	private static final Logger log = LoggerFactory.getLogger(Connection.class);

	private static final AtomicLong IDS = new AtomicLong();

	static final int MAX_BATCH_FRAMES = 64;

	final long id = IDS.incrementAndGet();

	private final IoLoop loop;

	private final SocketChannel channel;

	private final String name;

	private final Listener listener;

	private final FrameReader reader;

	private final OutboundQueue writer;

	/**
	 * The read side shared with application threads that read for themselves, or null
	 * when only the loop reads (every connection but a peer's to its host).
	 */
	private final @Nullable CallerReads callerReads;

	private final AtomicBoolean closed = new AtomicBoolean();

	private final CountDownLatch drained = new CountDownLatch(1);

	private final CountDownLatch readerDone = new CountDownLatch(1);

	private final AtomicBoolean readerDoneReported = new AtomicBoolean();

	/** What the owner attaches (the host's registration of this connection). */
	volatile @Nullable Object attachment;

	/**
	 * A connection only the loop reads.
	 * @param firstFrameMaxBytes the limit for the first frame only (a host's limit before
	 * {@code Hello})
	 */
	Connection(IoLoop loop, SocketChannel channel, String name, int maxFrameBytes, int firstFrameMaxBytes, int capacity,
			long maxBytes, Listener listener) {
		this(loop, channel, name, maxFrameBytes, firstFrameMaxBytes, capacity, maxBytes, listener, false);
	}

	/**
	 * @param callerReads whether application threads may read it while they wait
	 * ({@link #driveReads}; a peer's connection to its host)
	 */
	Connection(IoLoop loop, SocketChannel channel, String name, int maxFrameBytes, int capacity, long maxBytes,
			Listener listener, boolean callerReads) {
		this(loop, channel, name, maxFrameBytes, maxFrameBytes, capacity, maxBytes, listener, callerReads);
	}

	private Connection(IoLoop loop, SocketChannel channel, String name, int maxFrameBytes, int firstFrameMaxBytes,
			int capacity, long maxBytes, Listener listener, boolean callerReads) {
		this.loop = loop;
		this.channel = channel;
		this.name = name;
		this.listener = listener;
		this.reader = new FrameReader(this, channel, listener, maxFrameBytes, firstFrameMaxBytes);
		this.writer = new OutboundQueue(this, loop, channel, capacity, maxBytes);
		this.callerReads = callerReads ? new CallerReads(new CallerSide()) : null;
	}

	/**
	 * Makes the channel non-blocking and registers it with the loop (at once on the loop,
	 * else as a task).
	 */
	void start() {
		try {
			channel.configureBlocking(false);
		}
		catch (IOException ex) {
			log.debug("Connection {} could not be set up: {}", id, ex.toString());
			closeNow();
			return;
		}
		loop.execute(this::register);
	}

	private void register() {
		if (!isOpen()) {
			return;
		}
		try {
			writer.registered(loop.register(channel, SelectionKey.OP_READ, this));
		}
		catch (IOException | RuntimeException ex) {
			log.debug("Connection {} could not be registered: {}", id, ex.toString());
			closeNow();
		}
	}

	/**
	 * {@link System#nanoTime()} when the last complete frame was read, or the connection
	 * was made.
	 */
	long lastReadNanos() {
		return reader.lastReadNanos();
	}

	boolean isOpen() {
		return !closed.get();
	}

	@Override
	public void ready(SelectionKey k) {
		int ops = k.readyOps();
		if ((ops & SelectionKey.OP_WRITE) != 0) {
			flushOnLoop();
		}
		if ((ops & SelectionKey.OP_READ) != 0 && isOpen()) {
			CallerReads shared = callerReads;
			if (shared == null) {
				reader.read(loop.readBuffer);
				return;
			}
			if (!shared.tryLoop()) {
				shared.loopBlocked(); // an application thread reads it
				return;
			}
			try {
				reader.read(loop.readBuffer);
			}
			finally {
				shared.loopDone();
			}
		}
	}

	// ------------------------------------------------------------------ caller reads

	/**
	 * Lets the calling (application) thread read this connection until {@code condition}
	 * holds; see {@link CallerReads#drive}. A connection made without caller reads
	 * answers {@link CallerReads.Outcome#CANNOT}.
	 */
	CallerReads.Outcome driveReads(BooleanSupplier condition, long deadlineNanos, long spinNanos)
			throws InterruptedException {
		CallerReads shared = callerReads;
		return (shared != null) ? shared.drive(condition, deadlineNanos, spinNanos) : CallerReads.Outcome.CANNOT;
	}

	/** The application thread reading this connection, if any. */
	@Nullable Thread callerReading() {
		CallerReads shared = callerReads;
		return (shared != null) ? shared.caller() : null;
	}

	/** Wakes {@code waiter} if it reads this connection or waits to. */
	void wakeReader(Thread waiter) {
		CallerReads shared = callerReads;
		if (shared != null) {
			shared.wake(waiter);
		}
		else {
			java.util.concurrent.locks.LockSupport.unpark(waiter);
		}
	}

	/** What {@link CallerReads} may do with this connection. */
	private final class CallerSide implements CallerReads.Side {

		@Override
		public void readAvailable(ByteBuffer buffer) {
			if (isOpen()) {
				reader.read(buffer);
			}
		}

		@Override
		public void loopReads(boolean on) {
			SelectionKey k = writer.key();
			if (k == null || !k.isValid()) {
				return;
			}
			try {
				if (on) {
					k.interestOpsOr(SelectionKey.OP_READ);
					loop.wakeup(); // the loop applies the interest on its next select
				}
				else {
					k.interestOpsAnd(~SelectionKey.OP_READ);
				}
			}
			catch (CancelledKeyException ex) {
				// closed meanwhile
			}
		}

		@Override
		public void onLoopAfter(Runnable task, long delayNanos) {
			loop.schedule(task, delayNanos);
		}

		@Override
		public SelectionKey register(Selector selector) throws IOException {
			return channel.register(selector, SelectionKey.OP_READ);
		}

		@Override
		public boolean isOpen() {
			return Connection.this.isOpen();
		}

	}

	// ------------------------------------------------------------------ writing

	/**
	 * Queues an encoded frame (prefix included) for writing, or writes it at once; never
	 * blocks. Data frames are refused when the queue holds {@code capacity} frames or
	 * {@code maxBytes} bytes; control frames get some extra room so presence updates are
	 * not lost to a burst of data, and are refused only when the peer is hopelessly
	 * behind.
	 */
	Offer offer(byte[] frame, boolean control) {
		return writer.offer(frame, control);
	}

	/**
	 * Writes what is queued (loop thread); arms OP_WRITE when the socket is full, closes
	 * once drained if closing.
	 */
	void flushOnLoop() {
		writer.flushOnLoop();
	}

	// ------------------------------------------------------------------ closing

	/**
	 * Refuses further frames and lets the loop write what is queued, then closes. Never
	 * blocks; callers that must bound the time use {@link #awaitWriter} then
	 * {@link #closeNow}.
	 */
	void closeGracefully() {
		if (writer.close()) {
			if (loop.isStopped()) {
				closeNow();
			}
			else {
				loop.later(this::flushOnLoop);
			}
		}
	}

	/**
	 * Closes the channel at once and reports {@link Listener#onClosed} once, then
	 * {@link Listener#onReaderDone}.
	 */
	void closeNow() {
		writer.discard();
		if (!closed.compareAndSet(false, true)) {
			return;
		}
		try {
			channel.close();
		}
		catch (IOException ex) {
			log.debug("Closing connection {} failed: {}", id, ex.toString());
		}
		drained.countDown();
		try {
			listener.onClosed(this);
		}
		catch (RuntimeException ex) {
			log.warn("Connection close handler failed", ex);
		}
		// after any frame being handled right now: the loop runs tasks after its batch,
		// and a caller reading this connection lets go of it first
		CallerReads shared = callerReads;
		if (shared != null) {
			loop.later(() -> shared.whenFree(() -> loop.execute(this::readerDone)));
		}
		else {
			loop.later(() -> loop.execute(this::readerDone));
		}
	}

	private void readerDone() {
		if (!readerDoneReported.compareAndSet(false, true)) {
			return;
		}
		reader.forget();
		try {
			listener.onReaderDone(this);
		}
		catch (RuntimeException ex) {
			log.warn("Connection reader-done handler failed", ex);
		}
		finally {
			readerDone.countDown();
		}
	}

	/**
	 * Waits until the queue is written after {@link #closeGracefully} (or the connection
	 * closed), at most until {@code deadlineNanos}.
	 */
	boolean awaitWriter(long deadlineNanos) throws InterruptedException {
		return await(drained, deadlineNanos);
	}

	/**
	 * Waits until no frame of this connection is handled any more, at most until
	 * {@code deadlineNanos}.
	 */
	boolean awaitThreads(long deadlineNanos) throws InterruptedException {
		return await(readerDone, deadlineNanos);
	}

	private boolean await(CountDownLatch latch, long deadlineNanos) throws InterruptedException {
		if (loop.inLoop()) {
			return latch.getCount() == 0; // never wait on the loop for the loop
		}
		long remaining = deadlineNanos - System.nanoTime();
		return latch.await(Math.max(0, remaining), TimeUnit.NANOSECONDS);
	}

	@Override
	public String toString() {
		return name + "#" + id;
	}

}
