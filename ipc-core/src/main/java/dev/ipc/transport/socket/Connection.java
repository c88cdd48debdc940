package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket connection: a reader thread that cuts the byte stream into frames and hands each to the
 * {@link Listener} (which must not block), and a writer thread that drains a bounded outbound queue with gathering
 * writes, so frames queued while a write is in progress leave together. The threads are daemons named
 * {@code ipc-socket-<name>-read-<id>} / {@code -write-<id>}; reading and writing use the channel directly (its read
 * and write locks are independent), never a {@code synchronized} block.
 *
 * <p><b>Write-through.</b> The channel is non-blocking (each thread waits on its own selector when it must). When
 * nothing is queued and the writer is idle, {@link #offer} writes a frame of at most {@link #WRITE_THROUGH_MAX} bytes
 * itself, without waking the writer: on a small machine that thread hand-off costs more than the write. Whatever the
 * socket does not take at once (the peer is slow) is queued for the writer, so {@code offer} still never blocks and
 * the queue bounds still apply; under load frames queue behind the writer and leave coalesced as before.
 */
final class Connection {

	/** What happens to the frames read from a connection. Every method runs on the reader thread except onClosed. */
	interface Listener {

		/** One complete frame body (CBOR, no prefix). The array is reused afterwards: copy what must be kept. */
		void onFrame(Connection connection, byte[] buffer, int offset, int length);

		/** A length prefix above {@code limit} arrived; the connection is closed right after. */
		void onOversized(Connection connection, long length, int limit);

		/** The stream ended inside a frame; the connection is closed right after. */
		void onTruncated(Connection connection);

		/** The connection closed (called exactly once, on whichever thread closed it). */
		void onClosed(Connection connection);

		/**
		 * The reader thread is about to end: no frame of this connection is being or will be handled any more.
		 * Called once, after {@link #onClosed}, on the reader thread (or on the caller of {@link #start} if the
		 * thread could not be started).
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

	private static final int READ_BUFFER = 64 * 1024;

	private static final int WRITE_BUFFER = 64 * 1024;

	private static final int MAX_BATCH_FRAMES = 64;

	private static final long MAX_BATCH_BYTES = 256 * 1024;

	/** Largest frame {@link #offer} writes on the caller's thread (covers a full Noise transport frame). */
	static final int WRITE_THROUGH_MAX = 64 * 1024 + 1024;

	/** Extra room for control frames (presence, pong) beyond the data capacity before the peer counts as stuck. */
	private static final int CONTROL_SLACK = 256;

	final long id = IDS.incrementAndGet();

	private final SocketChannel channel;

	private final String threadPrefix;

	private final int maxFrameBytes;

	private final int firstFrameMaxBytes;

	private final Listener listener;

	/** {@link System#nanoTime()} when the last frame was read (or the connection was made). */
	private volatile long lastReadNanos = System.nanoTime();

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition notEmpty = lock.newCondition();

	private final ArrayDeque<byte[]> queue = new ArrayDeque<>();

	private final int capacity;

	private final long maxBytes;

	private long queuedBytes;

	private boolean closing;

	/** The writer holds frames it took from the queue and has not written yet (guarded by {@link #lock}). */
	private boolean writerBusy;

	private @Nullable Selector readSelector;

	private @Nullable Selector writeSelector;

	private final AtomicBoolean closed = new AtomicBoolean();

	private final Thread reader;

	private final Thread writer;

	/** What the owner attaches (the host's registration of this connection). */
	volatile @Nullable Object attachment;

	Connection(SocketChannel channel, String threadPrefix, int maxFrameBytes, int capacity, long maxBytes,
			Listener listener) {
		this(channel, threadPrefix, maxFrameBytes, maxFrameBytes, capacity, maxBytes, listener);
	}

	/** @param firstFrameMaxBytes the limit for the first frame only (a host's limit before {@code Hello}) */
	Connection(SocketChannel channel, String threadPrefix, int maxFrameBytes, int firstFrameMaxBytes, int capacity,
			long maxBytes, Listener listener) {
		this.channel = channel;
		this.threadPrefix = threadPrefix;
		this.maxFrameBytes = maxFrameBytes;
		this.firstFrameMaxBytes = Math.min(firstFrameMaxBytes, maxFrameBytes);
		this.capacity = capacity;
		this.maxBytes = maxBytes;
		this.listener = listener;
		this.reader = new Thread(this::readLoop, threadPrefix + "-read-" + id);
		this.reader.setDaemon(true);
		this.writer = new Thread(this::writeLoop, threadPrefix + "-write-" + id);
		this.writer.setDaemon(true);
	}

	/** Starts the reader and writer threads. */
	void start() {
		try {
			channel.configureBlocking(false);
			readSelector = Selector.open();
			writeSelector = Selector.open();
			channel.register(readSelector, SelectionKey.OP_READ);
			channel.register(writeSelector, SelectionKey.OP_WRITE);
		}
		catch (IOException ex) {
			log.debug("Connection {} could not be set up: {}", id, ex.toString());
			closeNow();
		}
		try {
			writer.start();
			reader.start();
		}
		catch (RuntimeException | Error ex) {
			closeNow();
			listener.onReaderDone(this);
			throw ex;
		}
	}

	/** {@link System#nanoTime()} when the last complete frame was read, or the connection was made. */
	long lastReadNanos() {
		return lastReadNanos;
	}

	SocketChannel channel() {
		return channel;
	}

	boolean isOpen() {
		return !closed.get();
	}

	/**
	 * Queues an encoded frame (prefix included) for writing; never blocks. Data frames are refused when the queue
	 * holds {@code capacity} frames or {@code maxBytes} bytes; control frames get some extra room so presence updates
	 * are not lost to a burst of data, and are refused only when the peer is hopelessly behind.
	 */
	Offer offer(byte[] frame, boolean control) {
		boolean failed = false;
		lock.lock();
		try {
			if (closing) {
				return Offer.CLOSED;
			}
			int size = queue.size();
			if (size == 0 && !writerBusy && frame.length <= WRITE_THROUGH_MAX && writeSelector != null) {
				int written;
				try {
					written = channel.write(ByteBuffer.wrap(frame));
				}
				catch (IOException ex) {
					log.debug("Connection {} write failed: {}", id, ex.toString());
					failed = true;
					return Offer.CLOSED;
				}
				if (written == frame.length) {
					return Offer.ACCEPTED;
				}
				// the socket took part of it: the writer sends the rest as soon as the peer reads
				byte[] rest = java.util.Arrays.copyOfRange(frame, written, frame.length);
				queue.addLast(rest);
				queuedBytes += rest.length;
				notEmpty.signal();
				return Offer.ACCEPTED;
			}
			if (control) {
				if (size >= capacity + CONTROL_SLACK) {
					return Offer.FULL;
				}
			}
			else if (size >= capacity || queuedBytes + frame.length > maxBytes) {
				return Offer.FULL;
			}
			queue.addLast(frame);
			queuedBytes += frame.length;
			if (size == 0) {
				notEmpty.signal();
			}
			return Offer.ACCEPTED;
		}
		finally {
			lock.unlock();
			if (failed) {
				closeNow();
			}
		}
	}

	/** The number of frames waiting to be written. */
	int queuedFrames() {
		lock.lock();
		try {
			return queue.size();
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Refuses further frames and lets the writer send what is queued, then closes. Never blocks; callers that must
	 * bound the time use {@link #awaitWriter} then {@link #closeNow}.
	 */
	void closeGracefully() {
		lock.lock();
		try {
			closing = true;
			notEmpty.signalAll();
		}
		finally {
			lock.unlock();
		}
	}

	/** Closes the channel at once (wakes both threads) and reports {@link Listener#onClosed} once. */
	void closeNow() {
		lock.lock();
		try {
			closing = true;
			queue.clear();
			queuedBytes = 0;
			notEmpty.signalAll();
		}
		finally {
			lock.unlock();
		}
		if (closed.compareAndSet(false, true)) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				log.debug("Closing connection {} failed: {}", id, ex.toString());
			}
			wake(readSelector);
			wake(writeSelector);
			try {
				listener.onClosed(this);
			}
			catch (RuntimeException ex) {
				log.warn("Connection close handler failed", ex);
			}
		}
	}

	private static void wake(@Nullable Selector selector) {
		if (selector != null) {
			selector.wakeup();
		}
	}

	/** Reads what is available into {@code buf}, waiting for the channel to become readable; -1 at end of stream. */
	private int readSome(ByteBuffer buf) throws IOException {
		while (true) {
			int n = channel.read(buf);
			if (n != 0 || !buf.hasRemaining()) {
				return n;
			}
			if (!isOpen()) {
				throw new ClosedChannelException();
			}
			readSelector.select();
			readSelector.selectedKeys().clear();
		}
	}

	/** Waits until the writer has ended, at most until {@code deadlineNanos} ({@link System#nanoTime()}). */
	boolean awaitWriter(long deadlineNanos) throws InterruptedException {
		return join(writer, deadlineNanos);
	}

	/** Waits until both threads have ended, at most until {@code deadlineNanos}. */
	boolean awaitThreads(long deadlineNanos) throws InterruptedException {
		return join(writer, deadlineNanos) & join(reader, deadlineNanos);
	}

	private static boolean join(Thread thread, long deadlineNanos) throws InterruptedException {
		if (thread == Thread.currentThread() || thread.getState() == Thread.State.NEW) {
			return true;
		}
		long remaining = deadlineNanos - System.nanoTime();
		if (remaining > 0) {
			TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
		}
		return !thread.isAlive();
	}

	// ------------------------------------------------------------------ reading

	private void readLoop() {
		FrameReader in = new FrameReader();
		int limit = firstFrameMaxBytes;
		try {
			while (true) {
				if (!in.ensure(FrameCodec.LENGTH_PREFIX)) {
					if (in.available() > 0) {
						listener.onTruncated(this);
					}
					return;
				}
				byte[] array = in.array;
				int at = in.start;
				long length = ((array[at] & 0xFFL) << 24) | ((array[at + 1] & 0xFFL) << 16)
						| ((array[at + 2] & 0xFFL) << 8) | (array[at + 3] & 0xFFL);
				if (length > limit) {
					listener.onOversized(this, length, limit);
					return;
				}
				in.consume(FrameCodec.LENGTH_PREFIX);
				int len = (int) length;
				if (len <= array.length) {
					if (!in.ensure(len)) {
						listener.onTruncated(this);
						return;
					}
					lastReadNanos = System.nanoTime();
					limit = maxFrameBytes;
					listener.onFrame(this, array, in.start, len);
					in.consume(len);
				}
				else {
					// read a large frame in buffer-sized steps, so no per-thread direct buffer grows to the frame size
					byte[] big = new byte[len];
					int filled = in.available();
					System.arraycopy(array, in.start, big, 0, filled);
					in.consume(filled);
					ByteBuffer step = in.buf;
					while (filled < len) {
						step.clear();
						step.limit(Math.min(step.capacity(), len - filled));
						int read = readSome(step);
						if (read < 0) {
							listener.onTruncated(this);
							return;
						}
						System.arraycopy(array, 0, big, filled, read);
						filled += read;
					}
					step.clear();
					lastReadNanos = System.nanoTime();
					limit = maxFrameBytes;
					listener.onFrame(this, big, 0, len);
				}
			}
		}
		catch (ClosedChannelException ex) {
			// closed by us
		}
		catch (IOException ex) {
			if (isOpen()) {
				log.debug("Connection {} read failed: {}", id, ex.toString());
			}
		}
		catch (RuntimeException ex) {
			log.error("Connection {}: unexpected error in the reader; closing the connection", id, ex);
		}
		finally {
			closeNow();
			closeQuietly(readSelector);
			try {
				listener.onReaderDone(this);
			}
			catch (RuntimeException ex) {
				log.warn("Connection reader-done handler failed", ex);
			}
		}
	}

	private static void closeQuietly(@Nullable Selector selector) {
		if (selector != null) {
			try {
				selector.close();
			}
			catch (IOException ex) {
				// nothing to do
			}
		}
	}

	/** A read buffer whose unconsumed bytes are {@code array[start, buf.position())}. */
	private final class FrameReader {

		final ByteBuffer buf = ByteBuffer.allocate(READ_BUFFER);

		final byte[] array = buf.array();

		int start;

		int available() {
			return buf.position() - start;
		}

		/** Reads until {@code need} (at most the buffer size) bytes are available; false at end of stream. */
		boolean ensure(int need) throws IOException {
			if (start + need > array.length) {
				int have = available();
				System.arraycopy(array, start, array, 0, have);
				buf.position(have);
				start = 0;
			}
			while (available() < need) {
				if (readSome(buf) < 0) {
					return false;
				}
			}
			return true;
		}

		void consume(int n) {
			start += n;
			if (start == buf.position()) {
				buf.clear();
				start = 0;
			}
		}

	}

	// ------------------------------------------------------------------ writing

	private void writeLoop() {
		byte[][] batch = new byte[MAX_BATCH_FRAMES][];
		// frames are copied into one direct buffer: small frames coalesce into one write, and large ones never make
		// the JDK cache a temporary direct buffer of their size for this thread
		ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER);
		try {
			while (true) {
				int n = take(batch);
				if (n == 0) {
					break;
				}
				for (int i = 0; i < n; i++) {
					byte[] frame = batch[i];
					batch[i] = null;
					int offset = 0;
					while (offset < frame.length) {
						int chunk = Math.min(out.remaining(), frame.length - offset);
						out.put(frame, offset, chunk);
						offset += chunk;
						if (!out.hasRemaining()) {
							flush(out);
						}
					}
				}
				flush(out);
				lock.lock();
				try {
					writerBusy = false;
				}
				finally {
					lock.unlock();
				}
			}
		}
		catch (ClosedChannelException ex) {
			// closed by us
		}
		catch (IOException ex) {
			if (isOpen()) {
				log.debug("Connection {} write failed: {}", id, ex.toString());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			log.error("Connection {}: unexpected error in the writer; closing the connection", id, ex);
		}
		finally {
			closeNow();
			closeQuietly(writeSelector);
		}
	}

	private void flush(ByteBuffer out) throws IOException {
		out.flip();
		while (out.hasRemaining()) {
			if (channel.write(out) == 0) {
				if (!isOpen()) {
					throw new ClosedChannelException();
				}
				writeSelector.select();
				writeSelector.selectedKeys().clear();
			}
		}
		out.clear();
	}

	/** Takes up to a batch of frames, waiting while the queue is empty; 0 once closing and drained. */
	private int take(byte[][] batch) throws InterruptedException {
		lock.lock();
		try {
			while (queue.isEmpty()) {
				if (closing) {
					return 0;
				}
				notEmpty.await();
			}
			int n = 0;
			long bytes = 0;
			while (n < batch.length && bytes < MAX_BATCH_BYTES) {
				byte[] frame = queue.pollFirst();
				if (frame == null) {
					break;
				}
				batch[n++] = frame;
				bytes += frame.length;
			}
			queuedBytes -= bytes;
			writerBusy = n > 0;
			return n;
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public String toString() {
		return threadPrefix + "#" + id;
	}

}
