package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket connection served by the transport's {@link IoLoop}: no thread of its own.
 * When the channel is readable the loop reads it into its shared buffer, cuts the bytes
 * into frames and hands each to the {@link Listener} (on the loop thread, so the listener
 * must not block); it stops at the first short read. Only a frame split across reads is
 * kept per connection, in an array sized to what is missing (at most the frame limit) and
 * dropped once the frame is complete, so an idle connection holds no buffer at all.
 *
 * <p>
 * <b>Writing.</b> {@link #offer} never blocks. On an application thread, when nothing is
 * queued, it writes the frame to the non-blocking socket itself (no hand-off to the
 * loop); on the loop thread it queues the frame, and the loop writes everything queued
 * during a batch once, after it ({@link IoLoop#flushAfterBatch}). Whatever the socket
 * does not take is queued, bounded by frames and bytes, and written by the loop when the
 * socket becomes writable again ({@code OP_WRITE}). No lock is held across a write: the
 * thread that writes owns the write side by a flag.
 */
final class Connection implements IoLoop.Handler {

	/**
	 * What happens to the frames read from a connection. Every method runs on the loop
	 * thread except onClosed.
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

	/**
	 * Reads of one connection per wake-up before the loop serves the others (fairness).
	 */
	private static final int MAX_READS_PER_WAKEUP = 16;

	/**
	 * Largest frame {@link #offer} writes on the caller's thread (covers a full Noise
	 * transport frame).
	 */
	static final int WRITE_THROUGH_MAX = 64 * 1024 + 1024;

	/**
	 * Extra room for control frames (presence, pong) beyond the data capacity before the
	 * peer counts as stuck.
	 */
	private static final int CONTROL_SLACK = 256;

	final long id = IDS.incrementAndGet();

	private final IoLoop loop;

	private final SocketChannel channel;

	private final String name;

	private final int maxFrameBytes;

	private final Listener listener;

	/**
	 * The limit of the next frame: the first-frame limit until one frame was read, then
	 * the frame limit.
	 */
	private int limit;

	/**
	 * {@link System#nanoTime()} when the last frame was read (or the connection was
	 * made).
	 */
	private volatile long lastReadNanos = System.nanoTime();

	// ---- read state (whoever holds the read turn: the loop, or a caller through
	// callerReads)

	/** The bytes of an incomplete frame (prefix included), or null. */
	private byte @Nullable [] partial;

	private int partialLength;

	/** Set on the loop once registered (guarded by lock). */
	private @Nullable SelectionKey key;

	// ---- write state (guarded by lock)

	private final ReentrantLock lock = new ReentrantLock();

	private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();

	private final int capacity;

	private final long maxBytes;

	private long queuedBytes;

	private boolean closing;

	/** A thread is writing outside the lock (it owns the write side). */
	private boolean writing;

	/**
	 * The loop has been asked to write (a flush is scheduled or the connection waits for
	 * OP_WRITE).
	 */
	private boolean flushPending;

	// ---- lifecycle

	private final AtomicBoolean closed = new AtomicBoolean();

	private final CountDownLatch drained = new CountDownLatch(1);

	private final CountDownLatch readerDone = new CountDownLatch(1);

	private final AtomicBoolean readerDoneReported = new AtomicBoolean();

	/**
	 * The read side, shared with application threads that read for themselves
	 * ({@link CallerReads}).
	 */
	private final CallerReads callerReads = new CallerReads(new CallerSide());

	/** What the owner attaches (the host's registration of this connection). */
	volatile @Nullable Object attachment;

	Connection(IoLoop loop, SocketChannel channel, String name, int maxFrameBytes, int capacity, long maxBytes,
			Listener listener) {
		this(loop, channel, name, maxFrameBytes, maxFrameBytes, capacity, maxBytes, listener);
	}

	/**
	 * @param firstFrameMaxBytes the limit for the first frame only (a host's limit before
	 * {@code Hello})
	 */
	Connection(IoLoop loop, SocketChannel channel, String name, int maxFrameBytes, int firstFrameMaxBytes, int capacity,
			long maxBytes, Listener listener) {
		this.loop = loop;
		this.channel = channel;
		this.name = name;
		this.maxFrameBytes = maxFrameBytes;
		this.limit = Math.min(firstFrameMaxBytes, maxFrameBytes);
		this.capacity = capacity;
		this.maxBytes = maxBytes;
		this.listener = listener;
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
			SelectionKey k = loop.register(channel, SelectionKey.OP_READ, this);
			lock.lock();
			try {
				key = k;
				if (flushPending && !writing) {
					// frames queued before the registration: write them now
					loop.flushAfterBatch(this);
				}
			}
			finally {
				lock.unlock();
			}
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
		return lastReadNanos;
	}

	SocketChannel channel() {
		return channel;
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
			if (!callerReads.tryLoop()) {
				callerReads.loopBlocked(); // an application thread reads it
				return;
			}
			try {
				read(loop.readBuffer);
			}
			finally {
				callerReads.loopDone();
			}
		}
	}

	/**
	 * Lets the calling (application) thread read this connection until {@code condition}
	 * holds; see {@link CallerReads#drive}.
	 */
	CallerReads.Outcome driveReads(java.util.function.BooleanSupplier condition, long deadlineNanos, long spinNanos)
			throws InterruptedException {
		return callerReads.drive(condition, deadlineNanos, spinNanos);
	}

	/** The application thread reading this connection, if any. */
	@Nullable Thread callerReading() {
		return callerReads.caller();
	}

	/** Wakes {@code waiter} if it reads this connection or waits to. */
	void wakeReader(Thread waiter) {
		callerReads.wake(waiter);
	}

	/** What {@link CallerReads} may do with this connection. */
	private final class CallerSide implements CallerReads.Side {

		@Override
		public void readAvailable(ByteBuffer buffer) {
			if (isOpen()) {
				read(buffer);
			}
		}

		@Override
		public void loopReads(boolean on) {
			SelectionKey k = key;
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
		public SelectionKey register(java.nio.channels.Selector selector) throws IOException {
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
		boolean direct;
		boolean schedule = false;
		lock.lock();
		try {
			if (closing) {
				return Offer.CLOSED;
			}
			int size = queue.size();
			boolean idle = size == 0 && !writing && !flushPending;
			if (!(idle && frame.length <= WRITE_THROUGH_MAX)) {
				if (control) {
					if (size >= capacity + CONTROL_SLACK) {
						return Offer.FULL;
					}
				}
				else if (size >= capacity || queuedBytes + frame.length > maxBytes) {
					return Offer.FULL;
				}
			}
			direct = idle && frame.length <= WRITE_THROUGH_MAX && !loop.inLoop() && key != null;
			if (direct) {
				writing = true;
			}
			else {
				queue.addLast(ByteBuffer.wrap(frame));
				queuedBytes += frame.length;
				if (!writing && !flushPending) {
					flushPending = true;
					schedule = true;
				}
			}
		}
		finally {
			lock.unlock();
		}
		if (direct) {
			return writeDirect(frame);
		}
		if (schedule) {
			scheduleFlush();
		}
		return Offer.ACCEPTED;
	}

	/**
	 * Writes on the calling (application) thread, which owns the write side; queues what
	 * the socket left.
	 */
	private Offer writeDirect(byte[] frame) {
		int written;
		try {
			written = channel.write(ByteBuffer.wrap(frame));
		}
		catch (IOException ex) {
			log.debug("Connection {} write failed: {}", id, ex.toString());
			lock.lock();
			try {
				writing = false;
			}
			finally {
				lock.unlock();
			}
			closeNow();
			return Offer.CLOSED;
		}
		boolean schedule = false;
		lock.lock();
		try {
			writing = false;
			if (written < frame.length && !closed.get()) {
				// the peer is slow: the loop writes the rest once the socket takes more
				queue.addFirst(ByteBuffer.wrap(frame, written, frame.length - written));
				queuedBytes += frame.length - written;
			}
			if ((!queue.isEmpty() || closing) && !flushPending) {
				flushPending = true;
				schedule = true;
			}
		}
		finally {
			lock.unlock();
		}
		if (schedule) {
			scheduleFlush();
		}
		return Offer.ACCEPTED;
	}

	private void scheduleFlush() {
		if (loop.inLoop()) {
			loop.flushAfterBatch(this);
		}
		else {
			loop.later(this::flushOnLoop);
		}
	}

	/**
	 * Writes what is queued (loop thread); arms OP_WRITE when the socket is full, closes
	 * once drained if closing.
	 */
	void flushOnLoop() {
		ByteBuffer[] batch = loop.writeBatch;
		for (int round = 0; round < 8; round++) {
			int n = 0;
			lock.lock();
			try {
				if (writing || closed.get()) {
					// the writing thread schedules a flush when it is done if anything is
					// left
					flushPending = false;
					return;
				}
				if (key == null) {
					return; // not registered yet: register() flushes
				}
				if (queue.isEmpty()) {
					flushPending = false;
					setWriteInterest(false);
					if (!closing) {
						return;
					}
				}
				else {
					ByteBuffer b;
					while (n < batch.length && (b = queue.pollFirst()) != null) {
						batch[n++] = b;
						queuedBytes -= b.remaining();
					}
					writing = true;
				}
			}
			finally {
				lock.unlock();
			}
			if (n == 0) {
				drained.countDown();
				closeNow(); // closing and drained
				return;
			}
			boolean full;
			try {
				full = writeBatch(batch, n);
			}
			catch (IOException ex) {
				log.debug("Connection {} write failed: {}", id, ex.toString());
				clear(batch, n);
				lock.lock();
				try {
					writing = false;
				}
				finally {
					lock.unlock();
				}
				closeNow();
				return;
			}
			lock.lock();
			try {
				writing = false;
				// put back what the socket did not take, in order
				for (int i = n - 1; i >= 0; i--) {
					ByteBuffer b = batch[i];
					if (b.hasRemaining() && !closed.get()) {
						queue.addFirst(b);
						queuedBytes += b.remaining();
					}
				}
				if (full) {
					flushPending = true;
					setWriteInterest(true);
					return;
				}
			}
			finally {
				lock.unlock();
				clear(batch, n);
			}
		}
		// a long queue: go on after the others had their turn
		lock.lock();
		try {
			flushPending = true;
		}
		finally {
			lock.unlock();
		}
		loop.flushAfterBatch(this);
	}

	private static void clear(ByteBuffer[] batch, int n) {
		for (int i = 0; i < n; i++) {
			batch[i] = null;
		}
	}

	/**
	 * Copies the batch into the loop's direct buffer (small frames coalesce into one
	 * write, and a large one never makes the JDK cache a direct buffer of its size) and
	 * writes. Advances the buffers by what was written.
	 * @return whether the socket refused more (some bytes are left)
	 */
	private boolean writeBatch(ByteBuffer[] batch, int n) throws IOException {
		ByteBuffer out = loop.writeBuffer;
		int first = 0;
		while (first < n) {
			out.clear();
			for (int i = first; i < n && out.hasRemaining(); i++) {
				ByteBuffer b = batch[i];
				int chunk = Math.min(out.remaining(), b.remaining());
				out.put(b.array(), b.arrayOffset() + b.position(), chunk);
			}
			out.flip();
			int filled = out.remaining();
			int written = channel.write(out);
			int left = written;
			while (left > 0 && first < n) {
				ByteBuffer b = batch[first];
				int step = Math.min(left, b.remaining());
				b.position(b.position() + step);
				left -= step;
				if (!b.hasRemaining()) {
					first++;
				}
			}
			if (written < filled) {
				return true;
			}
		}
		return false;
	}

	private void setWriteInterest(boolean on) {
		SelectionKey k = key;
		if (k == null || !k.isValid()) {
			return;
		}
		try {
			// atomic: a caller may turn read interest off or on meanwhile (CallerReads)
			if (on) {
				k.interestOpsOr(SelectionKey.OP_WRITE);
			}
			else if ((k.interestOps() & SelectionKey.OP_WRITE) != 0) {
				k.interestOpsAnd(~SelectionKey.OP_WRITE);
			}
		}
		catch (CancelledKeyException ex) {
			// closed meanwhile
		}
	}

	// ------------------------------------------------------------------ closing

	/**
	 * Refuses further frames and lets the loop write what is queued, then closes. Never
	 * blocks; callers that must bound the time use {@link #awaitWriter} then
	 * {@link #closeNow}.
	 */
	void closeGracefully() {
		boolean schedule;
		lock.lock();
		try {
			if (closing) {
				return;
			}
			closing = true;
			schedule = !writing && !flushPending;
			if (schedule) {
				flushPending = true;
			}
		}
		finally {
			lock.unlock();
		}
		if (schedule) {
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
		lock.lock();
		try {
			closing = true;
			queue.clear();
			queuedBytes = 0;
		}
		finally {
			lock.unlock();
		}
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
		// and
		// a caller reading this connection lets go of it first
		loop.later(() -> callerReads.whenFree(() -> loop.execute(this::readerDone)));
	}

	private void readerDone() {
		if (!readerDoneReported.compareAndSet(false, true)) {
			return;
		}
		partial = null;
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

	// ------------------------------------------------------------------ reading

	/** Reads into {@code in} until a short read (the holder of the read turn). */
	private void read(ByteBuffer in) {
		try {
			for (int round = 0; round < MAX_READS_PER_WAKEUP && isOpen(); round++) {
				byte[] p = partial;
				if (p != null && p.length > IoLoop.READ_CHUNK) {
					if (!readIntoLargeFrame(p)) {
						return;
					}
				}
				else if (!readChunk(in)) {
					return;
				}
			}
		}
		catch (IOException ex) {
			if (isOpen()) {
				log.debug("Connection {} read failed: {}", id, ex.toString());
			}
			closeNow();
		}
		catch (RuntimeException ex) {
			log.error("Connection {}: unexpected error while handling its frames; closing the connection", id, ex);
			closeNow();
		}
	}

	/**
	 * One read into the loop's buffer (after the kept bytes of an incomplete frame) and
	 * the frames it completes.
	 * @return whether to read again (the read filled the buffer)
	 */
	private boolean readChunk(ByteBuffer in) throws IOException {
		in.clear();
		byte[] p = partial;
		if (p != null) {
			in.put(p, 0, partialLength);
			partial = null;
		}
		int kept = in.position();
		int n = channel.read(in);
		if (n <= 0) {
			if (n < 0) {
				if (kept > 0) {
					listener.onTruncated(this);
				}
				closeNow();
			}
			else if (kept > 0) {
				keep(in.array(), 0, kept, -1);
			}
			return false;
		}
		byte[] array = in.array();
		int end = in.position();
		int at = 0;
		while (isOpen()) {
			int available = end - at;
			if (available < FrameCodec.LENGTH_PREFIX) {
				if (available > 0) {
					keep(array, at, available, -1);
				}
				break;
			}
			long length = ((array[at] & 0xFFL) << 24) | ((array[at + 1] & 0xFFL) << 16) | ((array[at + 2] & 0xFFL) << 8)
					| (array[at + 3] & 0xFFL);
			if (length > limit) {
				listener.onOversized(this, length, limit);
				closeNow();
				return false;
			}
			int total = FrameCodec.LENGTH_PREFIX + (int) length;
			if (available < total) {
				keep(array, at, available, total);
				break;
			}
			deliver(array, at + FrameCodec.LENGTH_PREFIX, (int) length);
			at += total;
		}
		return end == in.capacity() && isOpen();
	}

	/**
	 * Keeps the start of an incomplete frame; sized to the whole frame when it is larger
	 * than the read buffer.
	 */
	private void keep(byte[] array, int from, int length, int total) {
		byte[] p = new byte[(total > IoLoop.READ_CHUNK) ? total : length];
		System.arraycopy(array, from, p, 0, length);
		partial = p;
		partialLength = length;
	}

	/**
	 * Reads into a frame larger than the read buffer, in steps of at most the buffer's
	 * size (so no temporary direct buffer of the frame's size is cached), and delivers it
	 * once complete.
	 * @return whether to read again
	 */
	private boolean readIntoLargeFrame(byte[] p) throws IOException {
		int want = Math.min(IoLoop.READ_CHUNK, p.length - partialLength);
		ByteBuffer step = ByteBuffer.wrap(p, partialLength, want);
		int n = channel.read(step);
		if (n < 0) {
			listener.onTruncated(this);
			closeNow();
			return false;
		}
		partialLength += n;
		if (partialLength == p.length) {
			partial = null;
			deliver(p, FrameCodec.LENGTH_PREFIX, p.length - FrameCodec.LENGTH_PREFIX);
		}
		return n == want && isOpen();
	}

	private void deliver(byte[] array, int offset, int length) {
		lastReadNanos = System.nanoTime();
		limit = maxFrameBytes;
		listener.onFrame(this, array, offset, length);
	}

	@Override
	public String toString() {
		return name + "#" + id;
	}

}
