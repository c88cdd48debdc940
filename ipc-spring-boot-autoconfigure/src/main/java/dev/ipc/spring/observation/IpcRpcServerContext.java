package dev.ipc.spring.observation;

import java.util.Map;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import org.jspecify.annotations.Nullable;

import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Source;

/**
 * The context of an {@code ipc.rpc.server} observation: one RPC this client answered. Its
 * carrier is what the requester carried in the envelope (empty for Bitwarden peers, which
 * carry nothing): a tracing handler continues the requester's trace from it.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcRpcServerContext extends ReceiverContext<Map<String, String>> {

	private final String requestType;

	private final Source source;

	private final String requestId;

	private volatile @Nullable RpcOutcome outcome;

	/**
	 * Creates a new instance.
	 * @param requestType the name of a local handler's request type, or {@code unknown}
	 * @param source the caller, as verified by the transport
	 * @param requestId the request's id, chosen by the caller
	 * @param carried what the caller carried in the envelope
	 */
	public IpcRpcServerContext(String requestType, Source source, String requestId, Map<String, String> carried) {
		super((carrier, key) -> (carrier != null) ? carrier.get(key) : null, Kind.SERVER);
		this.requestType = requestType;
		this.source = source;
		this.requestId = requestId;
		setCarrier(Map.copyOf(carried));
		setRemoteServiceName(IpcObservationKeys.peer(source.toEndpoint()));
	}

	/** The request type name ({@code unknown} when no local handler has it). */
	public String getRequestType() {
		return this.requestType;
	}

	/** The caller. */
	public Source getSource() {
		return this.source;
	}

	/** The request's id (chosen by the caller: never a low-cardinality value). */
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
