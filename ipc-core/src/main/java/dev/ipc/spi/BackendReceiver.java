package dev.ipc.spi;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.IncomingMessage;

/**
 * One consumer's view of a {@link CommunicationBackend}'s incoming messages (spec §5.2).
 * Must not be used by two threads at once; create one receiver per consumer.
 */
public interface BackendReceiver extends AutoCloseable {

	/**
	 * Waits for the next message.
	 * @throws IpcClosedException once the receiver or its backend is closed (a permanent,
	 * fatal condition)
	 * @throws IpcException classified {@link ErrorKind#OTHER} for a recoverable problem
	 * such as messages lost to overflow ({@link ReceiverLaggedException}); the next call
	 * continues with the following message
	 * @throws ReceiveMarker when the stream reaches a marker the consumer
	 * {@linkplain #insertMarker inserted}
	 * @throws InterruptedException if the waiting thread is interrupted
	 */
	IncomingMessage receive() throws InterruptedException;

	/**
	 * Waits at most {@code timeout} for the next message.
	 * @return the message, or {@code null} if none arrived in time
	 * @throws IpcClosedException once the receiver or its backend is closed
	 * @throws InterruptedException if the waiting thread is interrupted
	 */
	@Nullable IncomingMessage receive(Duration timeout) throws InterruptedException;

	/**
	 * Switches the receiver to push delivery: from now on it hands every message, marker
	 * and loss of its stream to {@code sink}, one at a time and in order, on a delivering
	 * thread (the thread that published the message when that is safe, the transport's
	 * I/O thread for a network transport, else a short-lived helper thread of the
	 * receiver), so that no thread of the consumer has to wait in {@link #receive()}.
	 * Messages that arrive while the sink is busy are buffered (up to the receiver's
	 * capacity, the oldest dropped and reported through {@link InboundSink#lagged}) and
	 * handed over as soon as it returns. After a successful call {@code receive} must not
	 * be used. Call at most once. The default does nothing and returns {@code false}: the
	 * consumer then pulls with {@code receive} on a thread of its own.
	 * @return whether the receiver supports push delivery
	 */
	default boolean deliverTo(InboundSink sink) {
		return false;
	}

	/**
	 * Queues {@code marker} behind every message this receiver holds now, so that
	 * {@link #receive()} (or {@link #receive(Duration)}) throws it once each of those
	 * messages has been returned, and returns the messages queued after it afterwards.
	 * Unlike {@code receive} it may be called from any thread, typically a transport
	 * callback that runs after the transport handed its last messages to this receiver
	 * (such as a disconnect listener). A marker does not count against the receiver's
	 * capacity and is never discarded on overflow; {@link #close()} discards it. With
	 * {@linkplain #deliverTo push delivery} the marker is handed to
	 * {@link InboundSink#marker} at the same place in the stream. The default does
	 * nothing and returns {@code false}.
	 * @return whether the marker was queued ({@code false}: markers are not supported, or
	 * the receiver is closed)
	 */
	default boolean insertMarker(ReceiveMarker marker) {
		return false;
	}

	/**
	 * Stops buffering and wakes a waiting {@code receive} with
	 * {@link IpcClosedException}. Idempotent.
	 */
	@Override
	void close();

}
