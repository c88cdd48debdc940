package dev.ipc.spring.observation;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;

/**
 * The context of an {@code ipc.send} observation: one application message sent with
 * {@code IpcClient.send}. Nothing is carried to the receiver (the payload is the
 * application's own JSON, see docs/spring-boot.md "Tracing"), so the carrier is never
 * written to the wire.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcSendContext extends SenderContext<Object> {

	private final @Nullable String topic;

	private final Endpoint destination;

	/**
	 * Creates a new instance.
	 * @param topic the message's topic
	 * @param destination where it goes
	 */
	public IpcSendContext(@Nullable String topic, Endpoint destination) {
		super((carrier, key, value) -> {
		}, Kind.PRODUCER);
		this.topic = topic;
		this.destination = destination;
		setCarrier(new Object());
		setRemoteServiceName(IpcObservationKeys.peer(destination));
	}

	/** The message's topic. */
	public @Nullable String getTopic() {
		return this.topic;
	}

	/** Where it goes. */
	public Endpoint getDestination() {
		return this.destination;
	}

}
