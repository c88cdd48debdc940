package dev.ipc.spi;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.IncomingMessage;

/**
 * One consumer's view of a {@link CommunicationBackend}'s incoming messages (spec §5.2). Must not be used by
 * two threads at once; create one receiver per consumer.
 */
public interface BackendReceiver extends AutoCloseable {

	/**
	 * Waits for the next message.
	 * @throws IpcClosedException once the receiver or its backend is closed (a permanent, fatal condition)
	 * @throws IpcException classified {@link ErrorKind#OTHER} for a recoverable problem such as messages lost
	 * to overflow ({@link ReceiverLaggedException}); the next call continues with the following message
	 * @throws ReceiveMarker when the stream reaches a marker the consumer {@linkplain #insertMarker inserted}
	 * @throws InterruptedException if the waiting thread is interrupted
	 */
	IncomingMessage receive() throws InterruptedException;

	/**
	 * Waits at most {@code timeout} for the next message.
	 * @return the message, or {@code null} if none arrived in time
	 * @throws IpcClosedException once the receiver or its backend is closed
	 * @throws InterruptedException if the waiting thread is interrupted
	 */
	@Nullable
	IncomingMessage receive(Duration timeout) throws InterruptedException;

	/**
	 * Asks the receiver to hand messages to {@code handler} on the delivering thread whenever it can do so without
	 * waiting: nobody is processing a message of this receiver and none is buffered. Messages it cannot hand over
	 * that way are buffered for {@link #receive()} as usual, so the consumer keeps its receive loop; at most one
	 * message is processed at a time (inline or after {@code receive}) and order is kept. This saves the thread
	 * hand-off to the consumer's loop. The default does nothing and returns {@code false}.
	 * @return whether the receiver supports inline delivery
	 */
	default boolean deliverInline(java.util.function.Consumer<IncomingMessage> handler) {
		return false;
	}

	/**
	 * Queues {@code marker} behind every message this receiver holds now, so that {@link #receive()} (or
	 * {@link #receive(Duration)}) throws it once each of those messages has been returned, and returns the messages
	 * queued after it afterwards. Unlike {@code receive} it may be called from any thread, typically a transport
	 * callback that runs after the transport handed its last messages to this receiver (such as a disconnect listener).
	 * A marker does not count against the receiver's capacity and is never discarded on overflow; {@link #close()}
	 * discards it. With {@linkplain #deliverInline inline delivery}, nothing is delivered inline while a marker is
	 * queued or its consumer is still handling it (until its next {@code receive}), so order is kept.
	 * The default does nothing and returns {@code false}.
	 * @return whether the marker was queued ({@code false}: markers are not supported, or the receiver is closed)
	 */
	default boolean insertMarker(ReceiveMarker marker) {
		return false;
	}

	/** Stops buffering and wakes a waiting {@code receive} with {@link IpcClosedException}. Idempotent. */
	@Override
	void close();

}
