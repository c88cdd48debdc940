package dev.ipc.client;

import dev.ipc.model.IncomingMessage;

/**
 * Receives a subscription's messages as callbacks, one at a time and in arrival order, on
 * the client's handler executor (never on the receive loop unless the client uses direct
 * dispatch). An exception thrown by {@link #onMessage} is reported to the client's event
 * listener and logged; delivery goes on.
 */
@FunctionalInterface
public interface MessageListener {

	/** Handles one message. */
	void onMessage(IncomingMessage message) throws Exception;

	/**
	 * Told, before the next message, that the subscription's queue overflowed and
	 * {@code count} older messages were dropped.
	 */
	default void onMessagesLost(long count) {
	}

}
