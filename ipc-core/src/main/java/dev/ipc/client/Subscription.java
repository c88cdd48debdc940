package dev.ipc.client;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.IncomingMessage;

/**
 * A pull-style subscription: an independent bounded queue of the messages matching a
 * topic (or all messages) that arrived after it was created. When the queue is full the
 * oldest message is dropped and counted; a slow subscription never blocks the receive
 * loop or other subscriptions.
 *
 * <p>
 * Subscriptions survive {@code stop()}/{@code start()} of their client: they simply
 * receive nothing while it is stopped. {@link #close()}, or closing the client, ends
 * them: buffered messages can still be drained, then {@link #receive()} throws
 * {@link dev.ipc.spi.IpcClosedException}.
 *
 * <p>
 * One consumer thread at a time should call the receive methods.
 */
public interface Subscription extends Registration {

	/**
	 * The topic this subscription matches, or {@code null} if it receives every
	 * non-request message.
	 */
	@Nullable String topic();

	/**
	 * Waits for the next matching message.
	 * @throws dev.ipc.spi.IpcClosedException once closed and drained
	 * @throws InterruptedException if interrupted while waiting
	 */
	IncomingMessage receive() throws InterruptedException;

	/**
	 * Waits at most {@code timeout} for the next matching message.
	 * @return the message, or {@code null} on timeout
	 * @throws dev.ipc.spi.IpcClosedException once closed and drained
	 * @throws InterruptedException if interrupted while waiting
	 */
	@Nullable IncomingMessage receive(Duration timeout) throws InterruptedException;

	/** The number of messages dropped so far because the queue was full. */
	long lostMessageCount();

	/** The number of messages currently buffered. */
	int size();

}
