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
 */
public record IncomingMessage(byte[] payload, Endpoint destination, Source source, @Nullable String topic) {

	public IncomingMessage {
		Objects.requireNonNull(payload, "payload");
		Objects.requireNonNull(destination, "destination");
		Objects.requireNonNull(source, "source");
	}

	/**
	 * The same message with another payload (used by crypto providers after decryption).
	 */
	public IncomingMessage withPayload(byte[] newPayload) {
		return new IncomingMessage(newPayload, destination, source, topic);
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof IncomingMessage that && Arrays.equals(payload, that.payload)
				&& destination.equals(that.destination) && source.equals(that.source)
				&& Objects.equals(topic, that.topic);
	}

	@Override
	public int hashCode() {
		return Objects.hash(Arrays.hashCode(payload), destination, source, topic);
	}

	@Override
	public String toString() {
		return "IncomingMessage[topic=" + topic + ", source=" + source + ", destination=" + destination + ", payload="
				+ payload.length + " bytes]";
	}

}
