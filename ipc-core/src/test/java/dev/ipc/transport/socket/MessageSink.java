package dev.ipc.transport.socket;

import java.util.function.Consumer;

import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.InboundSink;
import dev.ipc.spi.ReceiveMarker;

/**
 * An {@link InboundSink} that hands messages to a callback and ignores markers and losses
 * (for transport tests).
 */
record MessageSink(Consumer<IncomingMessage> onMessage) implements InboundSink {

	@Override
	public void message(IncomingMessage message) {
		this.onMessage.accept(message);
	}

	@Override
	public void marker(ReceiveMarker marker) {
	}

	@Override
	public void lagged(long lost) {
	}

}
