package dev.ipc.event;

/**
 * How one RPC ended, from the requester's or the responder's point of view. Used as a
 * bounded metric tag.
 */
public enum RpcOutcome {

	/** A successful response was produced or received. */
	SUCCESS,

	/** The remote answered with an {@code RpcError} (requester side). */
	REMOTE_ERROR,

	/** No response arrived within the timeout (requester side). */
	TIMEOUT,

	/** The destination was not connected (requester side). */
	UNREACHABLE,

	/** The caller cancelled the request (requester side). */
	CANCELLED,

	/**
	 * The request could not be encoded or the response could not be decoded (requester
	 * side).
	 */
	SERIALIZATION_ERROR,

	/** No handler is registered for the request type (responder side). */
	NO_HANDLER,

	/**
	 * The request body could not be decoded as the handler's request type (responder
	 * side).
	 */
	BAD_REQUEST,

	/** The handler threw or its result could not be encoded (responder side). */
	HANDLER_ERROR,

	/**
	 * Anything else: a send failure, or the client stopped while the request was pending.
	 */
	FAILED

}
