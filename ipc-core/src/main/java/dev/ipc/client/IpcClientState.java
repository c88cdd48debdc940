package dev.ipc.client;

/**
 * The life cycle of an {@link IpcClient}: {@code NEW → RUNNING ⇄ STOPPED → CLOSED}, with
 * transient {@code STARTING} and {@code STOPPING}. Transitions are atomic.
 */
public enum IpcClientState {

	/** Built, never started. */
	NEW,

	/** {@code start()} in progress. */
	STARTING,

	/** The receive loop runs. */
	RUNNING,

	/** {@code stop()} in progress, or a fatal error is stopping the client. */
	STOPPING,

	/** Stopped by {@code stop()} or by a fatal error; may be started again. */
	STOPPED,

	/**
	 * Closed for good; every operation fails with {@link dev.ipc.spi.IpcClosedException}.
	 */
	CLOSED

}
