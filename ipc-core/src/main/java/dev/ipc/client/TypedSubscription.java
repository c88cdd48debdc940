package dev.ipc.client;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.TypedIncomingMessage;

/**
 * A {@link Subscription} to a payload type's topic that decodes each message. A message
 * that cannot be decoded is consumed and reported by a
 * {@link dev.ipc.codec.PayloadCodecException} from the receive call; the next call
 * continues with the following message (spec §2.5).
 *
 * @param <P> the payload type
 */
public interface TypedSubscription<P> extends Registration {

	/** The topic, from the payload type's {@link dev.ipc.model.IpcPayload}. */
	String topic();

	/**
	 * Waits for the next message and decodes it.
	 * @throws dev.ipc.codec.PayloadCodecException if this message's payload does not
	 * decode
	 * @throws dev.ipc.spi.IpcClosedException once closed and drained
	 * @throws InterruptedException if interrupted while waiting
	 */
	TypedIncomingMessage<P> receive() throws InterruptedException;

	/**
	 * Waits at most {@code timeout} for the next message and decodes it.
	 * @return the message, or {@code null} on timeout
	 * @throws dev.ipc.codec.PayloadCodecException if this message's payload does not
	 * decode
	 * @throws dev.ipc.spi.IpcClosedException once closed and drained
	 * @throws InterruptedException if interrupted while waiting
	 */
	@Nullable TypedIncomingMessage<P> receive(Duration timeout) throws InterruptedException;

	/** The number of messages dropped so far because the queue was full. */
	long lostMessageCount();

}
