package dev.ipc.client;

/** What registering a second RPC handler for an already handled request type does. */
public enum DuplicateHandlerPolicy {

	/**
	 * Reject the registration with an {@link IllegalStateException} naming the request
	 * type (the default).
	 */
	FAIL,

	/** Replace the previous handler (the reference's behaviour). */
	REPLACE

}
