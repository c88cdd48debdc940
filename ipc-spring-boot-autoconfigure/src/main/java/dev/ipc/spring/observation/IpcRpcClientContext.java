package dev.ipc.spring.observation;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import org.jspecify.annotations.Nullable;

import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;

/**
 * The context of an {@code ipc.rpc.client} observation: one RPC this client sent. Its
 * carrier is the context that travels to the responder inside the encrypted request
 * envelope ({@link dev.ipc.observation.RpcContextCarrier}); a tracing handler writes the
 * trace into it when the observation starts.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcRpcClientContext extends SenderContext<Map<String, String>> {

	private final String requestType;

	private final Endpoint destination;

	private final String requestId;

	private volatile @Nullable RpcOutcome outcome;

	/**
	 * Creates a new instance.
	 * @param requestType the request type name (a local type)
	 * @param destination where the request goes
	 * @param requestId the request's id
	 */
	public IpcRpcClientContext(String requestType, Endpoint destination, String requestId) {
		super((carrier, key, value) -> {
			if (carrier != null) {
				carrier.put(key, value);
			}
		}, Kind.CLIENT);
		this.requestType = requestType;
		this.destination = destination;
		this.requestId = requestId;
		setCarrier(new LinkedHashMap<>());
		setRemoteServiceName(IpcObservationKeys.peer(destination));
	}

	/** The request type name. */
	public String getRequestType() {
		return this.requestType;
	}

	/** Where the request goes. */
	public Endpoint getDestination() {
		return this.destination;
	}

	/** The request's id (unique per call: never a low-cardinality value). */
	public String getRequestId() {
		return this.requestId;
	}

	/** How the RPC ended; {@code null} until it did. */
	public @Nullable RpcOutcome getOutcome() {
		return this.outcome;
	}

	/** Records how the RPC ended. */
	public void setOutcome(@Nullable RpcOutcome outcome) {
		this.outcome = outcome;
	}

}
