package dev.ipc.model;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * An incoming message whose payload was decoded to a Java type (spec §1.5).
 *
 * @param <P> the payload type
 * @param payload the decoded payload
 * @param destination where the sender addressed the message
 * @param source who sent it, as verified by the receiving side
 * @param topic the topic the message arrived on
 * @param kind whether it was addressed to this endpoint or published to the topic's
 * subscribers
 */
public record TypedIncomingMessage<P>(P payload, Endpoint destination, Source source, @Nullable String topic,
		DeliveryKind kind) {

	public TypedIncomingMessage {
		Objects.requireNonNull(destination, "destination");
		Objects.requireNonNull(source, "source");
		Objects.requireNonNull(kind, "kind");
	}

	/** An {@link DeliveryKind#ADDRESSED addressed} message. */
	public TypedIncomingMessage(P payload, Endpoint destination, Source source, @Nullable String topic) {
		this(payload, destination, source, topic, DeliveryKind.ADDRESSED);
	}

	/** Whether this is one copy of a publication ({@link DeliveryKind#PUBLISHED}). */
	public boolean published() {
		return kind == DeliveryKind.PUBLISHED;
	}

}
