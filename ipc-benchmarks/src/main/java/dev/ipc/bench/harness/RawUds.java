package dev.ipc.bench.harness;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.ipc.bench.Payloads;

/**
 * The floor: the JDK's blocking Unix-domain {@link SocketChannel}s with 4-byte
 * length-prefixed frames carrying the same JSON bytes, no framework, no encryption.
 * Header bit 31 marks a one-way frame (counted, not echoed); a one-way frame of length 0
 * ends a stream and is answered with the count. The echo server writes back each read
 * chunk's complete request frames in one write.
 */
final class RawUds {

	static final int ONE_WAY = 0x8000_0000;

	static final int BUFFER = 512 * 1024;

	private RawUds() {
	}

	// ------------------------------------------------------------------ server

	static void serve(Path socket) throws IOException {
		Files.deleteIfExists(socket);
		ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		server.bind(UnixDomainSocketAddress.of(socket));
		Roles.ready("unix:" + socket);
		Roles.exitWhenStdinCloses(() -> Files.deleteIfExists(socket));
		while (true) {
			SocketChannel channel = server.accept();
			Thread thread = new Thread(() -> echo(channel), "raw-echo");
			thread.setDaemon(true);
			thread.start();
		}
	}

	private static void echo(SocketChannel channel) {
		ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
		ByteBuffer reply = ByteBuffer.allocateDirect(12);
		long count = 0;
		try (channel) {
			while (true) {
				if (channel.read(buf) < 0) {
					return;
				}
				buf.flip();
				int echoStart = -1;
				while (buf.remaining() >= 4) {
					int pos = buf.position();
					int header = buf.getInt(pos);
					int length = header & ~ONE_WAY;
					if (buf.remaining() < 4 + length) {
						break;
					}
					if ((header & ONE_WAY) == 0) {
						if (echoStart < 0) {
							echoStart = pos;
						}
					}
					else {
						echoStart = flushEcho(channel, buf, echoStart, pos);
						if (length == 0) {
							reply.clear();
							reply.putInt(8).putLong(count).flip();
							writeFully(channel, reply);
							count = 0;
						}
						else {
							count++;
						}
					}
					buf.position(pos + 4 + length);
				}
				flushEcho(channel, buf, echoStart, buf.position());
				buf.compact();
			}
		}
		catch (IOException ex) {
			// peer went away
		}
	}

	private static int flushEcho(SocketChannel channel, ByteBuffer buf, int start, int end) throws IOException {
		if (start >= 0 && end > start) {
			ByteBuffer slice = buf.duplicate();
			slice.limit(end).position(start);
			writeFully(channel, slice);
		}
		return -1;
	}

	static void writeFully(SocketChannel channel, ByteBuffer buf) throws IOException {
		while (buf.hasRemaining()) {
			channel.write(buf);
		}
	}

	// ------------------------------------------------------------------ client

	static final class Client implements BenchClient {

		private final UnixDomainSocketAddress address;

		private SocketChannel channel;

		private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER);

		private final ByteBuffer out = ByteBuffer.allocateDirect(BUFFER);

		private final byte[][] payloads = new byte[Payloads.SIZES.length][];

		Client(String address) throws IOException {
			this.address = UnixDomainSocketAddress.of(address.substring("unix:".length()));
			this.channel = SocketChannel.open(this.address);
			for (int i = 0; i < payloads.length; i++) {
				payloads[i] = Payloads.json(Payloads.SIZES[i]);
			}
		}

		private byte[] payload(int size) {
			for (int i = 0; i < Payloads.SIZES.length; i++) {
				if (Payloads.SIZES[i] == size) {
					return payloads[i];
				}
			}
			return Payloads.json(size);
		}

		@Override
		public long[] roundTrips(int size, long nanos) throws IOException {
			byte[] payload = payload(size);
			LongList samples = new LongList();
			long end = System.nanoTime() + nanos;
			long now;
			do {
				long start = System.nanoTime();
				pingPong(channel, payload);
				now = System.nanoTime();
				samples.add(now - start);
			}
			while (now < end);
			return samples.toArray();
		}

		private void pingPong(SocketChannel ch, byte[] payload) throws IOException {
			out.clear();
			out.putInt(payload.length).put(payload).flip();
			writeFully(ch, out);
			in.clear();
			readFrame(ch, in);
		}

		/** Reads exactly one frame into {@code buf} (which must hold it). */
		private static void readFrame(SocketChannel ch, ByteBuffer buf) throws IOException {
			while (buf.position() < 4) {
				if (ch.read(buf) < 0) {
					throw new EOFException();
				}
			}
			int length = buf.getInt(0) & ~ONE_WAY;
			while (buf.position() < 4 + length) {
				if (ch.read(buf) < 0) {
					throw new EOFException();
				}
			}
		}

		@Override
		public double callsPerSecond(int size, int inflight, long nanos) throws Exception {
			byte[] payload = payload(size);
			Semaphore window = new Semaphore(inflight);
			AtomicLong completed = new AtomicLong();
			int frame = 4 + payload.length;
			Thread reader = new Thread(() -> {
				ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
				try {
					while (!Thread.currentThread().isInterrupted()) {
						if (channel.read(buf) < 0) {
							return;
						}
						int frames = buf.position() / frame;
						if (frames > 0) {
							buf.flip();
							buf.position(frames * frame);
							buf.compact();
							completed.addAndGet(frames);
							window.release(frames);
						}
					}
				}
				catch (IOException ex) {
					// closed
				}
			}, "raw-reader");
			reader.setDaemon(true);
			reader.start();
			long start = System.nanoTime();
			long end = start + nanos;
			long sent = 0;
			while (System.nanoTime() < end) {
				if (!window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
					continue;
				}
				int n = 1 + drainUpTo(window, (out.capacity() / frame) - 1);
				out.clear();
				for (int i = 0; i < n; i++) {
					out.putInt(payload.length).put(payload);
				}
				out.flip();
				writeFully(channel, out);
				sent += n;
			}
			long done = completed.get();
			long elapsed = System.nanoTime() - start;
			// drain the calls still in flight before the next measurement
			window.acquire(inflight);
			while (completed.get() < sent) {
				Thread.onSpinWait();
			}
			reader.interrupt();
			// the reader is blocked in read: a fresh connection keeps the next
			// measurement clean
			channel.close();
			reader.join(1000);
			channel = SocketChannel.open(address);
			return done * 1e9 / elapsed;
		}

		private static int drainUpTo(Semaphore s, int max) {
			int n = 0;
			while (n < max && s.tryAcquire()) {
				n++;
			}
			return n;
		}

		@Override
		public double messagesPerSecond(int size, long nanos) throws IOException {
			byte[] payload = payload(size);
			int frame = 4 + payload.length;
			long start = System.nanoTime();
			long end = start + nanos;
			long sent = 0;
			while (System.nanoTime() < end) {
				out.clear();
				while (out.remaining() >= frame) {
					out.putInt(ONE_WAY | payload.length).put(payload);
					sent++;
				}
				out.flip();
				writeFully(channel, out);
			}
			out.clear();
			out.putInt(ONE_WAY).flip();
			writeFully(channel, out);
			in.clear();
			readFrame(channel, in);
			long elapsed = System.nanoTime() - start;
			long counted = in.getLong(4);
			if (counted != sent) {
				throw new IllegalStateException("server counted " + counted + " of " + sent);
			}
			return sent * 1e9 / elapsed;
		}

		@Override
		public long[] connects(int count) throws IOException {
			byte[] payload = payload(Payloads.SIZES[0]);
			long[] samples = new long[count];
			for (int i = 0; i < count; i++) {
				long start = System.nanoTime();
				try (SocketChannel fresh = SocketChannel.open(address)) {
					pingPong(fresh, payload);
					samples[i] = System.nanoTime() - start;
				}
			}
			return samples;
		}

		@Override
		public void close() throws IOException {
			channel.close();
		}

	}

}
