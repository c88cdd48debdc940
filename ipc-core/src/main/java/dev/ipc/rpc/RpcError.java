package dev.ipc.rpc;

import java.util.Objects;

/**
 * An error travelling in an RPC response's {@code result} (spec §1.7), externally tagged
 * on the wire: {@code "NoHandlerFound"} or {@code {"RequestDeserialization":"<text>"}}.
 *
 * <p>
 * A requester receives it wrapped in {@link RpcRemoteException} (produced by the
 * responder) or {@link RpcSerializationException} (produced locally). Texts never contain
 * payload data.
 */
public sealed interface RpcError permits RpcError.RequestDeserialization, RpcError.RequestSerialization,
		RpcError.ResponseDeserialization, RpcError.ResponseSerialization, RpcError.NoHandlerFound {

	/** The singleton {@link NoHandlerFound}. */
	RpcError NO_HANDLER_FOUND = new NoHandlerFound();

	/** A human-readable description. */
	String describe();

	/** Responder: the request body could not be decoded as the handler's request type. */
	record RequestDeserialization(String message) implements RpcError {
		public RequestDeserialization {
			Objects.requireNonNull(message, "message");
		}

		@Override
		public String describe() {
			return "request could not be deserialized: " + message;
		}
	}

	/** Requester (local only): the request could not be encoded. */
	record RequestSerialization(String message) implements RpcError {
		public RequestSerialization {
			Objects.requireNonNull(message, "message");
		}

		@Override
		public String describe() {
			return "request could not be serialized: " + message;
		}
	}

	/**
	 * Requester (local only): the response matched our request id but its result could
	 * not be decoded.
	 */
	record ResponseDeserialization(String message) implements RpcError {
		public ResponseDeserialization {
			Objects.requireNonNull(message, "message");
		}

		@Override
		public String describe() {
			return "response could not be deserialized: " + message;
		}
	}

	/**
	 * Responder: no response could be produced. We send it when the handler's result
	 * cannot be encoded and when the handler throws (see {@link RpcHandlerException}); a
	 * Bitwarden SDK requester reports it as "Error occurred on the remote target".
	 */
	record ResponseSerialization(String message) implements RpcError {
		public ResponseSerialization {
			Objects.requireNonNull(message, "message");
		}

		@Override
		public String describe() {
			return "response could not be produced: " + message;
		}
	}

	/** Responder: no handler is registered for the request type. */
	record NoHandlerFound() implements RpcError {
		@Override
		public String describe() {
			return "no handler registered for the request type";
		}

		@Override
		public String toString() {
			return "NoHandlerFound";
		}
	}

}
