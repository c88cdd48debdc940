package dev.ipc.client;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.TypedIncomingMessage;

/** A {@link TypedSubscription} over a raw queue: decodes each message as it is taken. */
final class DecodingSubscription<P> implements TypedSubscription<P> {

	private final SubscriberQueue queue;

	private final Class<P> type;

	private final PayloadCodec codec;

	DecodingSubscription(SubscriberQueue queue, Class<P> type, PayloadCodec codec) {
		this.queue = queue;
		this.type = type;
		this.codec = codec;
	}

	@Override
	public String topic() {
		return queue.topic();
	}

	@Override
	public TypedIncomingMessage<P> receive() throws InterruptedException {
		return decode(queue.receive());
	}

	@Override
	public @Nullable TypedIncomingMessage<P> receive(Duration timeout) throws InterruptedException {
		IncomingMessage message = queue.receive(timeout);
		return (message != null) ? decode(message) : null;
	}

	private TypedIncomingMessage<P> decode(IncomingMessage message) {
		P payload = codec.decode(message.payload(), type);
		return new TypedIncomingMessage<>(payload, message.destination(), message.source(), message.topic(),
				message.kind());
	}

	@Override
	public long lostMessageCount() {
		return queue.lostMessageCount();
	}

	@Override
	public void close() {
		queue.close();
	}

	@Override
	public String toString() {
		return "TypedSubscription[" + type.getSimpleName() + " on " + queue.topic() + "]";
	}

}
