package dev.ipc.spring.observation;

import dev.ipc.model.Endpoint;

/**
 * The key names of the default conventions. Low cardinality (meter tags):
 * {@link #REQUEST}, {@link #OUTCOME}, {@link #TOPIC}, {@link #SUBSCRIBER}. High
 * cardinality (span tags only): {@link #REQUEST_ID}, {@link #PEER}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcObservationKeys {

	/** The RPC request type name. */
	public static final String REQUEST = "request";

	/** How an RPC ended, an {@code RpcOutcome} name. */
	public static final String OUTCOME = "outcome";

	/** A message's topic. */
	public static final String TOPIC = "topic";

	/** The id of the {@code @IpcSubscriber} method. */
	public static final String SUBSCRIBER = "subscriber";

	/** The RPC request id. */
	public static final String REQUEST_ID = "ipc.request.id";

	/** The remote endpoint. */
	public static final String PEER = "ipc.peer";

	private IpcObservationKeys() {
	}

	/**
	 * How {@link #PEER} names an endpoint: a named endpoint by its name, others as they
	 * print.
	 */
	public static String peer(Endpoint endpoint) {
		return (endpoint instanceof Endpoint.Named named) ? named.name() : endpoint.toString();
	}

}
