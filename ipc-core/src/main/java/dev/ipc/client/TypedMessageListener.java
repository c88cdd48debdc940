package dev.ipc.client;

import dev.ipc.model.TypedIncomingMessage;

/**
 * Receives a typed subscription's decoded messages as callbacks, as
 * {@link MessageListener} does. A message whose payload cannot be decoded is skipped and
 * reported to the client's event listener as a subscriber failure.
 *
 * @param <P> the payload type
 */
@FunctionalInterface
public interface TypedMessageListener<P> {

	/** Handles one decoded message. */
	void onMessage(TypedIncomingMessage<P> message) throws Exception;

	/**
	 * Told, before the next message, that {@code count} older messages were dropped by
	 * overflow.
	 */
	default void onMessagesLost(long count) {
	}

}
