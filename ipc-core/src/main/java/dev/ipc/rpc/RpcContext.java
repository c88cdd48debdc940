package dev.ipc.rpc;

import java.util.Objects;

import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * What a handler may know about the request it serves beyond its body: who sent it (as
 * verified by the transport) and the envelope's identifiers. Not on the wire; the wire
 * format is unchanged.
 *
 * @param source the caller, stamped by the receiving transport
 * @param destination where the caller addressed the request
 * @param requestId the request's id
 * @param requestType the request type name
 */
public record RpcContext(Source source, Endpoint destination, String requestId, String requestType) {

	public RpcContext {
		Objects.requireNonNull(source, "source");
		Objects.requireNonNull(destination, "destination");
		Objects.requireNonNull(requestId, "requestId");
		Objects.requireNonNull(requestType, "requestType");
	}

}
