package dev.ipc.model;

import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * An untyped message handed to the transport: opaque payload bytes, where they go, and an
 * optional topic (spec §1.4). The crypto provider encrypts the payload; the topic travels
 * in clear next to it.
 *
 * <p>
 * The payload array is not copied; do not modify it after constructing the message.
 * {@link #toString()} never prints payload bytes.
 *
 * @param payload the payload bytes (application JSON for typed messages)
 * @param destination the endpoint to deliver to
 * @param topic the topic, or {@code null} for none
 */
public record OutgoingMessage(byte[] payload, Endpoint destination, @Nullable String topic) {

	public OutgoingMessage {
		Objects.requireNonNull(payload, "payload");
		Objects.requireNonNull(destination, "destination");
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return other instanceof OutgoingMessage that && Arrays.equals(payload, that.payload)
				&& destination.equals(that.destination) && Objects.equals(topic, that.topic);
	}

	@Override
	public int hashCode() {
		return Objects.hash(Arrays.hashCode(payload), destination, topic);
	}

	@Override
	public String toString() {
		return "OutgoingMessage[topic=" + topic + ", destination=" + destination + ", payload=" + payload.length
				+ " bytes]";
	}

}
