package dev.ipc.bench.large;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.NoiseSession;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoContext;

/**
 * What one large message costs in memory, measured in one JVM with two Noise providers
 * wired back to back (no transport): the heap a message in reassembly holds on the
 * receiver (used heap after {@code System.gc()} with all but its last fragment processed,
 * minus before), and the bytes each side allocates for one message (the thread's
 * allocation counter), each divided by the message size.
 */
final class MemoryProbe {

	private static final Endpoint A = Endpoint.named("probe-a");

	private static final Endpoint B = Endpoint.named("probe-b");

	/** The measurements, each as a multiple of the message size. */
	record Result(int size, double retainedInFlight, double senderAllocated, double receiverAllocated,
			boolean delivered) {
	}

	/** Captures what a provider sends. */
	private static final class Wire implements CommunicationBackend {

		final BlockingQueue<OutgoingMessage> out = new LinkedBlockingQueue<>();

		@Override
		public void send(OutgoingMessage message) {
			out.add(message);
		}

		@Override
		public BackendReceiver subscribe() {
			throw new UnsupportedOperationException("not used");
		}

	}

	private MemoryProbe() {
	}

	static Result measure(int size) throws Exception {
		Wire wireA = new Wire();
		Wire wireB = new Wire();
		NoiseCryptoProvider a = NoiseCryptoProvider.builder().maxMessageSize(LargeBench.MAX_MESSAGE).build();
		NoiseCryptoProvider b = NoiseCryptoProvider.builder().maxMessageSize(LargeBench.MAX_MESSAGE).build();
		IpcEventListener quiet = new IpcEventListener() {
		};
		CryptoContext<NoiseSession> contextA = new CryptoContext<>(wireA, new InMemorySessionRepository<>(), quiet);
		CryptoContext<NoiseSession> contextB = new CryptoContext<>(wireB, new InMemorySessionRepository<>(), quiet);
		CompletableFuture<Void> first = CompletableFuture
			.runAsync(() -> a.send(contextA, new OutgoingMessage(new byte[1], B, "t")));
		b.process(contextB, toB(wireA.out.poll(10, TimeUnit.SECONDS)));
		a.process(contextA, toA(wireB.out.poll(10, TimeUnit.SECONDS)));
		first.get(10, TimeUnit.SECONDS);
		b.process(contextB, toB(wireA.out.poll(10, TimeUnit.SECONDS)));

		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		byte[] payload = new byte[size];
		new java.util.SplittableRandom(size).nextBytes(payload);
		long before = threads.getCurrentThreadAllocatedBytes();
		a.send(contextA, new OutgoingMessage(payload, B, "big"));
		long senderAllocated = threads.getCurrentThreadAllocatedBytes() - before;
		List<IncomingMessage> frames = new ArrayList<>();
		for (OutgoingMessage frame = wireA.out.poll(); frame != null; frame = wireA.out.poll()) {
			frames.add(toB(frame));
		}
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		long used0 = usedAfterGc(memory);
		long receiveStart = threads.getCurrentThreadAllocatedBytes();
		for (IncomingMessage frame : frames.subList(0, frames.size() - 1)) {
			b.process(contextB, frame);
		}
		long receivePaused = threads.getCurrentThreadAllocatedBytes();
		long used1 = usedAfterGc(memory);
		long receiveResumed = threads.getCurrentThreadAllocatedBytes();
		IncomingMessage delivered = b.process(contextB, frames.get(frames.size() - 1));
		long receiverAllocated = (receivePaused - receiveStart)
				+ (threads.getCurrentThreadAllocatedBytes() - receiveResumed);
		boolean ok = delivered != null && java.util.Arrays.equals(delivered.payload(), payload);
		return new Result(size, (used1 - used0) / (double) size, senderAllocated / (double) size,
				receiverAllocated / (double) size, ok);
	}

	private static long usedAfterGc(MemoryMXBean memory) {
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return memory.getHeapMemoryUsage().getUsed();
	}

	private static IncomingMessage toB(OutgoingMessage message) {
		return new IncomingMessage(message.payload(), B, Source.of(A), message.topic());
	}

	private static IncomingMessage toA(OutgoingMessage message) {
		return new IncomingMessage(message.payload(), A, Source.of(B), message.topic());
	}

}
