package dev.ipc.spi;

import dev.ipc.model.IncomingMessage;

/**
 * The consumer a push-capable {@link BackendReceiver} hands its stream to
 * ({@link BackendReceiver#deliverTo}): every message, every
 * {@linkplain BackendReceiver#insertMarker marker} and every loss to overflow, one call
 * at a time and in the order of the stream, on a delivering thread (normally the
 * transport's own I/O thread).
 *
 * <p>
 * Implementations must not block: waiting here stalls the transport's delivery (and, on a
 * shared I/O thread, every other connection). Sending is fine. An exception thrown by a
 * method is logged by the receiver and the stream goes on.
 */
public interface InboundSink {

	/** The next message of the stream. */
	void message(IncomingMessage message);

	/** A marker the consumer inserted, reached after every message queued before it. */
	void marker(ReceiveMarker marker);

	/**
	 * {@code lost} messages were discarded because the consumer fell behind (the stream
	 * goes on after them).
	 */
	void lagged(long lost);

}
