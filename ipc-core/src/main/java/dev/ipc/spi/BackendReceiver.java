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
	 * to overflow; the next call continues with the following message
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

	/** Stops buffering and wakes a waiting {@code receive} with {@link IpcClosedException}. Idempotent. */
	@Override
	void close();

}
