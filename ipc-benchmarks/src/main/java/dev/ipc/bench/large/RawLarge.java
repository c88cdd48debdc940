package dev.ipc.bench.large;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * The floor for large messages: JDK blocking Unix-domain {@link SocketChannel}s, a 4-byte
 * length prefix (bit 31: one-way) and the payload, no framework, no encryption. The
 * server acknowledges each one-way message with one byte and echoes each request.
 */
final class RawLarge {

	static final int ONE_WAY = 0x8000_0000;

	private RawLarge() {
	}

	static void serve(Path socket) throws IOException {
		Files.deleteIfExists(socket);
		ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		server.bind(UnixDomainSocketAddress.of(socket));
		LargeBench.ready();
		while (true) {
			SocketChannel channel = server.accept();
			Thread thread = new Thread(() -> serve(channel), "raw-large-server");
			thread.setDaemon(true);
			thread.start();
		}
	}

	private static void serve(SocketChannel channel) {
		ByteBuffer header = ByteBuffer.allocate(4);
		ByteBuffer ack = ByteBuffer.allocate(1);
		ByteBuffer body = ByteBuffer.allocate(LargeBench.MAX);
		try (channel) {
			while (true) {
				header.clear();
				if (!readFully(channel, header)) {
					return;
				}
				int word = header.getInt(0);
				int length = word & ~ONE_WAY;
				body.clear().limit(length);
				if (!readFully(channel, body)) {
					return;
				}
				if ((word & ONE_WAY) != 0) {
					ack.clear();
					writeFully(channel, ack);
				}
				else {
					header.clear();
					header.putInt(0, length);
					body.flip();
					writeFully(channel, header, body);
				}
			}
		}
		catch (IOException ex) {
			// client gone
		}
	}

	static boolean readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
		while (buffer.hasRemaining()) {
			if (channel.read(buffer) < 0) {
				return false;
			}
		}
		return true;
	}

	static void writeFully(SocketChannel channel, ByteBuffer... buffers) throws IOException {
		long total = 0;
		for (ByteBuffer b : buffers) {
			total += b.remaining();
		}
		while (total > 0) {
			total -= channel.write(buffers);
		}
	}

	/**
	 * The client side: one connection for one-way messages (a reader thread turns the
	 * acknowledgements into credits), one for echo calls.
	 */
	static final class Client implements LargeBench.System {

		private final SocketChannel oneWay;

		private final SocketChannel calls;

		private final Semaphore credits = new Semaphore(0);

		Client(Path socket) throws IOException {
			this.oneWay = SocketChannel.open(UnixDomainSocketAddress.of(socket));
			this.calls = SocketChannel.open(UnixDomainSocketAddress.of(socket));
			Thread acks = new Thread(() -> {
				ByteBuffer ack = ByteBuffer.allocate(1);
				try {
					while (true) {
						ack.clear();
						if (!readFully(oneWay, ack)) {
							return;
						}
						credits.release();
					}
				}
				catch (IOException ex) {
					// closed
				}
			}, "raw-large-acks");
			acks.setDaemon(true);
			acks.start();
		}

		@Override
		public long oneWay(byte[] payload, int window, long nanos) throws Exception {
			credits.drainPermits();
			credits.release(window);
			ByteBuffer header = ByteBuffer.allocate(4);
			ByteBuffer body = ByteBuffer.wrap(payload);
			long sent = 0;
			long end = java.lang.System.nanoTime() + nanos;
			while (java.lang.System.nanoTime() < end) {
				credits.acquire();
				header.clear();
				header.putInt(0, payload.length | ONE_WAY);
				body.clear();
				writeFully(oneWay, header, body);
				sent++;
			}
			credits.acquire(window); // every message acknowledged
			return sent;
		}

		@Override
		public void rpc(byte[] payload) throws Exception {
			ByteBuffer header = ByteBuffer.allocate(4);
			header.putInt(0, payload.length);
			writeFully(calls, header, ByteBuffer.wrap(payload));
			header.clear();
			readFully(calls, header);
			ByteBuffer reply = ByteBuffer.allocate(header.getInt(0));
			readFully(calls, reply);
			if (reply.capacity() != payload.length) {
				throw new IllegalStateException("bad echo");
			}
		}

		@Override
		public void close() throws IOException {
			oneWay.close();
			calls.close();
		}

	}

}
