package dev.ipc.nativemessaging;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.jspecify.annotations.Nullable;

/**
 * The native messaging frame: a 4-byte unsigned length in the machine's native byte
 * order, then that many bytes of UTF-8 JSON. Reads handle partial reads; a body over the
 * limit is skipped (streamed, never buffered) and reported.
 */
final class NativeMessagingFrames {

	/** Thrown when the browser closed the pipe inside a frame (header or body). */
	static final class TruncatedFrameException extends EOFException {

		private static final long serialVersionUID = 1L;

		TruncatedFrameException(String message) {
			super(message);
		}

	}

	/**
	 * Thrown (after the body was skipped, so the stream stays in step) for a frame longer
	 * than the limit.
	 */
	static final class OversizedFrameException extends IOException {

		private static final long serialVersionUID = 1L;

		private final long length;

		OversizedFrameException(long length, int limit) {
			super("A message of " + length + " bytes from the browser exceeds the limit of " + limit
					+ " bytes; it was skipped");
			this.length = length;
		}

		long length() {
			return length;
		}

	}

	private static final int SKIP_CHUNK = 8192;

	private final ByteOrder order;

	NativeMessagingFrames(ByteOrder order) {
		this.order = order;
	}

	/**
	 * Reads one frame.
	 * @return the body, or {@code null} when the stream ended cleanly between frames
	 * @throws TruncatedFrameException when the stream ended inside a frame
	 * @throws OversizedFrameException when the frame is longer than {@code maxBytes} (its
	 * body was skipped)
	 */
	byte @Nullable [] read(InputStream in, int maxBytes) throws IOException {
		byte[] header = new byte[4];
		int got = readFully(in, header, 0, 4);
		if (got == 0) {
			return null;
		}
		if (got < 4) {
			throw new TruncatedFrameException(
					"The browser closed the pipe inside a message header (" + got + " of 4 bytes)");
		}
		long length = Integer.toUnsignedLong(ByteBuffer.wrap(header).order(order).getInt());
		if (length > maxBytes) {
			skip(in, length);
			throw new OversizedFrameException(length, maxBytes);
		}
		byte[] body = new byte[(int) length];
		int read = readFully(in, body, 0, body.length);
		if (read < body.length) {
			throw new TruncatedFrameException(
					"The browser closed the pipe inside a message (" + read + " of " + length + " bytes)");
		}
		return body;
	}

	/**
	 * Writes one frame (header and body) and flushes. The caller checks the size limit.
	 */
	void write(OutputStream out, byte[] body) throws IOException {
		byte[] frame = new byte[4 + body.length];
		ByteBuffer.wrap(frame).order(order).putInt(body.length);
		System.arraycopy(body, 0, frame, 4, body.length);
		out.write(frame);
		out.flush();
	}

	private static int readFully(InputStream in, byte[] buffer, int offset, int length) throws IOException {
		int total = 0;
		while (total < length) {
			int n = in.read(buffer, offset + total, length - total);
			if (n < 0) {
				break;
			}
			total += n;
		}
		return total;
	}

	private static void skip(InputStream in, long length) throws IOException {
		byte[] scratch = new byte[SKIP_CHUNK];
		long left = length;
		while (left > 0) {
			int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
			if (n < 0) {
				throw new TruncatedFrameException("The browser closed the pipe inside an oversized message ("
						+ (length - left) + " of " + length + " bytes)");
			}
			left -= n;
		}
	}

}
