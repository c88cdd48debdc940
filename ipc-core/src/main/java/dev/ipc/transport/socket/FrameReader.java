package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of one {@link Connection}: reads the channel into the buffer of whoever
 * holds the read turn (the loop's, or a caller's, {@link CallerReads}), cuts the bytes
 * into frames and hands each to the connection's {@link Connection.Listener}; it stops at
 * the first short read. Only a frame split across reads is kept, in an array sized to
 * what is missing (at most the frame limit) and dropped once the frame is complete, so an
 * idle connection holds no buffer at all. A length prefix above the limit or a stream
 * that ends inside a frame is reported and closes the connection. Used by one thread at a
 * time (the turn holder).
 */
final class FrameReader {

	private static final Logger log = LoggerFactory.getLogger(FrameReader.class);

	/**
	 * Reads of one connection per wake-up before the loop serves the others (fairness).
	 */
	private static final int MAX_READS_PER_WAKEUP = 16;

	private final Connection connection;

	private final SocketChannel channel;

	private final Connection.Listener listener;

	private final int maxFrameBytes;

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

	/** The bytes of an incomplete frame (prefix included), or null. */
	private byte @Nullable [] partial;

	private int partialLength;

	/** {@link #partial} is the whole frame's array (its length prefix was read). */
	private boolean partialSized;

	FrameReader(Connection connection, SocketChannel channel, Connection.Listener listener, int maxFrameBytes,
			int firstFrameMaxBytes) {
		this.connection = connection;
		this.channel = channel;
		this.listener = listener;
		this.maxFrameBytes = maxFrameBytes;
		this.limit = Math.min(firstFrameMaxBytes, maxFrameBytes);
	}

	long lastReadNanos() {
		return lastReadNanos;
	}

	/** Drops the start of an incomplete frame (no more reads). */
	void forget() {
		partial = null;
	}

	/** Reads into {@code in} until a short read (the holder of the read turn). */
	void read(ByteBuffer in) {
		try {
			for (int round = 0; round < MAX_READS_PER_WAKEUP && connection.isOpen(); round++) {
				byte[] p = partial;
				if (p != null && partialSized) {
					if (!readIntoFrame(p)) {
						return;
					}
				}
				else if (!readChunk(in)) {
					return;
				}
			}
		}
		catch (IOException ex) {
			if (connection.isOpen()) {
				log.debug("Connection {} read failed: {}", connection, ex.toString());
			}
			connection.closeNow();
		}
		catch (RuntimeException ex) {
			log.error("Connection {}: unexpected error while handling its frames; closing the connection", connection,
					ex);
			connection.closeNow();
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
					listener.onTruncated(connection);
				}
				connection.closeNow();
			}
			else if (kept > 0) {
				keep(in.array(), 0, kept, -1);
			}
			return false;
		}
		byte[] array = in.array();
		int end = in.position();
		int at = 0;
		while (connection.isOpen()) {
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
				listener.onOversized(connection, length, limit);
				connection.closeNow();
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
		return end == in.capacity() && connection.isOpen();
	}

	/**
	 * Keeps the start of an incomplete frame; sized to the whole frame once its length is
	 * known ({@code total > 0}), so the rest is read straight into it: a frame that
	 * arrives a few bytes at a time costs linear copying, not a copy of all it has so far
	 * per read.
	 */
	private void keep(byte[] array, int from, int length, int total) {
		byte[] p = new byte[(total > 0) ? total : length];
		System.arraycopy(array, from, p, 0, length);
		partial = p;
		partialLength = length;
		partialSized = total > 0;
	}

	/**
	 * Reads the rest of a frame whose length is known into its array, in steps of at most
	 * the read buffer's size (so no temporary direct buffer of the frame's size is
	 * cached), and delivers it once complete.
	 * @return whether to read again
	 */
	private boolean readIntoFrame(byte[] p) throws IOException {
		int want = Math.min(IoLoop.READ_CHUNK, p.length - partialLength);
		ByteBuffer step = ByteBuffer.wrap(p, partialLength, want);
		int n = channel.read(step);
		if (n < 0) {
			listener.onTruncated(connection);
			connection.closeNow();
			return false;
		}
		partialLength += n;
		if (partialLength == p.length) {
			partial = null;
			deliver(p, FrameCodec.LENGTH_PREFIX, p.length - FrameCodec.LENGTH_PREFIX);
		}
		return n == want && connection.isOpen();
	}

	private void deliver(byte[] array, int offset, int length) {
		lastReadNanos = System.nanoTime();
		limit = maxFrameBytes;
		listener.onFrame(connection, array, offset, length);
	}

}
