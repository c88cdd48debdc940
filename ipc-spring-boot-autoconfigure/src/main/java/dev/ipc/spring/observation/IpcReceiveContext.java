package dev.ipc.spring.observation;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;

import dev.ipc.model.IncomingMessage;

/**
 * The context of an {@code ipc.receive} observation: one message handled by an
 * {@code @IpcSubscriber} method. The message carries no trace (see
 * {@link IpcSendContext}), so a tracer starts a new trace for it.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcReceiveContext extends ReceiverContext<IncomingMessage> {

	private final String subscriberId;

	private final String topic;

	/**
	 * Creates a new instance.
	 * @param message the message received
	 * @param subscriberId the id of the subscriber method handling it
	 * @param topic the topic it subscribes to (a local one)
	 */
	public IpcReceiveContext(IncomingMessage message, String subscriberId, String topic) {
		super((carrier, key) -> null, Kind.CONSUMER);
		this.subscriberId = subscriberId;
		this.topic = topic;
		setCarrier(message);
		setRemoteServiceName(IpcObservationKeys.peer(message.source().toEndpoint()));
	}

	/**
	 * The message received (its payload is the application's; conventions should not tag
	 * it).
	 */
	public IncomingMessage getMessage() {
		IncomingMessage message = getCarrier();
		if (message == null) {
			throw new IllegalStateException("no message");
		}
		return message;
	}

	/** The subscriber's id. */
	public String getSubscriberId() {
		return this.subscriberId;
	}

	/** The subscribed topic. */
	public String getTopic() {
		return this.topic;
	}

}
