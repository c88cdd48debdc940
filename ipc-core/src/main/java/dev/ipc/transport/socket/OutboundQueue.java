package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of one {@link Connection}. {@link #offer} never blocks. On an
 * application thread, when nothing is queued, it writes the frame to the non-blocking
 * socket itself (no hand-off to the loop); on the loop thread it queues the frame, and
 * the loop writes everything queued during a batch once, after it
 * ({@link IoLoop#flushAfterBatch}). Whatever the socket does not take is queued, bounded
 * by frames and bytes, and written by the loop when the socket becomes writable again
 * ({@code OP_WRITE}). No lock is held across a write: the thread that writes owns the
 * write side by a flag.
 */
final class OutboundQueue {

	private static final Logger log = LoggerFactory.getLogger(OutboundQueue.class);

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

	private final Connection connection;

	private final IoLoop loop;

	private final SocketChannel channel;

	private final int capacity;

	private final long maxBytes;

	private final ReentrantLock lock = new ReentrantLock();

	// ---- guarded by lock

	private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();

	private long queuedBytes;

	private boolean closing;

	/** A thread is writing outside the lock (it owns the write side). */
	private boolean writing;

	/**
	 * The loop has been asked to write (a flush is scheduled or the connection waits for
	 * OP_WRITE).
	 */
	private boolean flushPending;

	/** Set on the loop once registered (written under lock). */
	private volatile @Nullable SelectionKey key;

	OutboundQueue(Connection connection, IoLoop loop, SocketChannel channel, int capacity, long maxBytes) {
		this.connection = connection;
		this.loop = loop;
		this.channel = channel;
		this.capacity = capacity;
		this.maxBytes = maxBytes;
	}

	/** The connection's key with the loop's selector, once registered. */
	@Nullable SelectionKey key() {
		return key;
	}

	/**
	 * The channel is registered with the loop (loop thread): frames queued before go out.
	 */
	void registered(SelectionKey k) {
		lock.lock();
		try {
			key = k;
			if (flushPending && !writing) {
				loop.flushAfterBatch(connection);
			}
		}
		finally {
			lock.unlock();
		}
	}

	/** See {@link Connection#offer}. */
	Connection.Offer offer(byte[] frame, boolean control) {
		boolean direct;
		boolean schedule = false;
		lock.lock();
		try {
			if (closing) {
				return Connection.Offer.CLOSED;
			}
			int size = queue.size();
			boolean idle = size == 0 && !writing && !flushPending;
			if (!(idle && frame.length <= WRITE_THROUGH_MAX)) {
				if (control) {
					// control frames get room beyond the data bounds, in frames and in
					// bytes
					// (a Subscribers frame may be about 1 MiB)
					if (size >= capacity + CONTROL_SLACK || queuedBytes + frame.length > 2 * maxBytes) {
						return Connection.Offer.FULL;
					}
				}
				else if (size >= capacity || queuedBytes + frame.length > maxBytes) {
					return Connection.Offer.FULL;
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
		return Connection.Offer.ACCEPTED;
	}

	/**
	 * Writes on the calling (application) thread, which owns the write side; queues what
	 * the socket left.
	 */
	private Connection.Offer writeDirect(byte[] frame) {
		int written;
		try {
			written = channel.write(ByteBuffer.wrap(frame));
		}
		catch (IOException ex) {
			log.debug("Connection {} write failed: {}", connection, ex.toString());
			doneWriting();
			connection.closeNow();
			return Connection.Offer.CLOSED;
		}
		boolean schedule = false;
		lock.lock();
		try {
			writing = false;
			if (written < frame.length && connection.isOpen()) {
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
		return Connection.Offer.ACCEPTED;
	}

	private void doneWriting() {
		lock.lock();
		try {
			writing = false;
		}
		finally {
			lock.unlock();
		}
	}

	private void scheduleFlush() {
		if (loop.inLoop()) {
			loop.flushAfterBatch(connection);
		}
		else {
			loop.later(this::flushOnLoop);
		}
	}

	/**
	 * Writes what is queued (loop thread); arms OP_WRITE when the socket is full, closes
	 * the connection once drained if closing.
	 */
	void flushOnLoop() {
		ByteBuffer[] batch = loop.writeBatch;
		for (int round = 0; round < 8; round++) {
			int n = 0;
			lock.lock();
			try {
				if (writing || !connection.isOpen()) {
					// the writing thread schedules a flush when it is done if anything is
					// left
					flushPending = false;
					return;
				}
				if (key == null) {
					return; // not registered yet: registered() flushes
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
				connection.closeNow(); // closing and drained
				return;
			}
			boolean full;
			try {
				full = writeBatch(batch, n);
			}
			catch (IOException ex) {
				log.debug("Connection {} write failed: {}", connection, ex.toString());
				clear(batch, n);
				doneWriting();
				connection.closeNow();
				return;
			}
			lock.lock();
			try {
				writing = false;
				// put back what the socket did not take, in order
				for (int i = n - 1; i >= 0; i--) {
					ByteBuffer b = batch[i];
					if (b.hasRemaining() && connection.isOpen()) {
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
		loop.flushAfterBatch(connection);
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

	/**
	 * Refuses further frames.
	 * @return whether the caller must have the loop flush (nobody is writing or about to)
	 */
	boolean close() {
		lock.lock();
		try {
			if (closing) {
				return false;
			}
			closing = true;
			boolean schedule = !writing && !flushPending;
			if (schedule) {
				flushPending = true;
			}
			return schedule;
		}
		finally {
			lock.unlock();
		}
	}

	/** Refuses further frames and drops what is queued. */
	void discard() {
		lock.lock();
		try {
			closing = true;
			queue.clear();
			queuedBytes = 0;
		}
		finally {
			lock.unlock();
		}
	}

}
