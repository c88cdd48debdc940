package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * A hand-driven protocol client for robustness tests: writes arbitrary bytes and reads
 * the host's frames on a background thread.
 */
final class RawClient implements AutoCloseable {

	/** Marks the end of the stream in the frame queue. */
	static final Frame EOF = new Frame.Rejected("<eof>", "");

	private final SocketChannel channel;

	private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();

	private final Thread reader;

	private final boolean readFrames;

	RawClient(Path socket) throws IOException {
		this(socket, true);
	}

	/**
	 * @param readFrames false to never read (a slow reader)
	 */
	RawClient(Path socket, boolean readFrames) throws IOException {
		this(unix(socket), readFrames);
	}

	/**
	 * A client on an already connected channel (e.g. TCP from a chosen local address).
	 */
	RawClient(SocketChannel channel, boolean readFrames) {
		this.channel = channel;
		this.readFrames = readFrames;
		this.reader = new Thread(this::readLoop, "raw-client-reader");
		this.reader.setDaemon(true);
		if (readFrames) {
			this.reader.start();
		}
	}

	private static SocketChannel unix(Path socket) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			channel.connect(UnixDomainSocketAddress.of(socket));
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
		return channel;
	}

	/**
	 * A TCP client to {@code 127.0.0.1:port} from the loopback address {@code from} (e.g.
	 * 127.0.0.2).
	 */
	static RawClient tcp(String from, int port) throws IOException {
		SocketChannel channel = SocketChannel.open();
		try {
			channel.bind(new java.net.InetSocketAddress(from, 0));
			channel.connect(new java.net.InetSocketAddress("127.0.0.1", port));
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
		return new RawClient(channel, true);
	}

	void write(byte[] bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes);
		while (buffer.hasRemaining()) {
			channel.write(buffer);
		}
	}

	void send(Frame frame) throws IOException {
		write(FrameCodec.encode(frame));
	}

	/** Writes a length prefix and a body (any bytes). */
	void sendBody(byte[] body) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body);
		write(buffer.array());
	}

	/**
	 * The next frame from the host, {@link #EOF} when the host closed the connection,
	 * null on timeout.
	 */
	@Nullable Frame next(Duration timeout) throws InterruptedException {
		return frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	/** Skips frames until one of {@code type} arrives (or EOF / timeout). */
	@Nullable Frame nextOf(Class<? extends Frame> type, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			Frame frame = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			if (frame == null || frame == EOF || type.isInstance(frame)) {
				return frame;
			}
		}
	}

	private void readLoop() {
		try {
			ByteBuffer header = ByteBuffer.allocate(4);
			while (true) {
				header.clear();
				if (!readFully(header)) {
					break;
				}
				int length = header.getInt(0);
				ByteBuffer body = ByteBuffer.allocate(length);
				if (!readFully(body)) {
					break;
				}
				try {
					frames.add(FrameCodec.decode(body.array(), 0, length));
				}
				catch (FrameCodecException ex) {
					throw new IllegalStateException("the host sent an undecodable frame", ex);
				}
			}
		}
		catch (IOException ex) {
			// closed
		}
		frames.add(EOF);
	}

	private boolean readFully(ByteBuffer buffer) throws IOException {
		while (buffer.hasRemaining()) {
			if (channel.read(buffer) < 0) {
				return false;
			}
		}
		return true;
	}

	@Override
	public void close() throws IOException {
		channel.close();
		if (readFrames) {
			try {
				reader.join(5000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
