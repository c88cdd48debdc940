package dev.ipc.model;

import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * An untyped message as delivered to subscribers (spec §1.4). {@code source} was stamped
 * by the receiving transport and can be trusted; {@code destination} is informational
 * (the client never checks it is "me").
 *
 * <p>
 * The payload array is not copied. {@link #toString()} never prints payload bytes.
 *
 * @param payload the (decrypted) payload bytes
 * @param destination where the sender addressed the message
 * @param source who sent it, as verified by the receiving side
 * @param topic the topic, or {@code null} for none
 * @param kind whether it was addressed to this endpoint or published to the topic's
 * subscribers (stamped by the receiving transport)
 */
public record IncomingMessage(byte[] payload, Endpoint destination, Source source, @Nullable String topic,
		DeliveryKind kind) {

	public IncomingMessage {
		Objects.requireNonNull(payload, "payload");
		Objects.requireNonNull(destination, "destination");
		Objects.requireNonNull(source, "source");
		Objects.requireNonNull(kind, "kind");
	}

	/** An {@link DeliveryKind#ADDRESSED addressed} message. */
	public IncomingMessage(byte[] payload, Endpoint destination, Source source, @Nullable String topic) {
		this(payload, destination, source, topic, DeliveryKind.ADDRESSED);
	}

	/**
	 * The same message with another payload (used by crypto providers after decryption).
	 */
	public IncomingMessage withPayload(byte[] newPayload) {
		return new IncomingMessage(newPayload, destination, source, topic, kind);
	}

	/** Whether this is one copy of a publication ({@link DeliveryKind#PUBLISHED}). */
	public boolean published() {
		return kind == DeliveryKind.PUBLISHED;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return other instanceof IncomingMessage that && Arrays.equals(payload, that.payload)
				&& destination.equals(that.destination) && source.equals(that.source)
				&& Objects.equals(topic, that.topic) && kind == that.kind;
	}

	@Override
	public int hashCode() {
		return Objects.hash(Arrays.hashCode(payload), destination, source, topic, kind);
	}

	@Override
	public String toString() {
		return "IncomingMessage[topic=" + topic + ", source=" + source + ", destination=" + destination + ", kind="
				+ kind + ", payload=" + payload.length + " bytes]";
	}

}
