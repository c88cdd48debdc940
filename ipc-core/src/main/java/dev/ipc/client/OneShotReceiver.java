package dev.ipc.client;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.BackendReceiver;

/**
 * Presents one message delivered inline as a receiver, so the crypto provider's pull-style
 * {@code receive(context, receiver)} can process it on the delivering thread. Asking for a second message (the first
 * was a protocol message the provider consumed) ends the inline call with {@link #EXHAUSTED}.
 */
final class OneShotReceiver implements BackendReceiver {

	/** Thrown, without a stack trace, when the one message has been consumed. Not an IpcException on purpose. */
	static final class Exhausted extends RuntimeException {

		private Exhausted() {
			super("inline message consumed", null, false, false);
		}

	}

	static final Exhausted EXHAUSTED = new Exhausted();

	private @Nullable IncomingMessage message;

	OneShotReceiver(IncomingMessage message) {
		this.message = message;
	}

	@Override
	public IncomingMessage receive() {
		IncomingMessage next = message;
		if (next == null) {
			throw EXHAUSTED;
		}
		message = null;
		return next;
	}

	@Override
	public @Nullable IncomingMessage receive(Duration timeout) {
		IncomingMessage next = message;
		message = null;
		return next;
	}

	@Override
	public void close() {
		message = null;
	}

}
