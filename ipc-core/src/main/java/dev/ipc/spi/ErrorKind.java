package dev.ipc.spi;

/**
 * How an error affects the client (spec §2.3). Every failure crossing an SPI boundary is
 * classified at construction; ambiguous cases are {@link #OTHER}.
 */
public enum ErrorKind {

	/**
	 * The client cannot progress: a fatal receive error stops the receive loop, a fatal
	 * send error stops the client.
	 */
	FATAL,

	/**
	 * The destination is not connected. The client keeps running; the send fails fast and
	 * is not logged.
	 */
	UNREACHABLE,

	/** Any other recoverable failure: logged, and the client keeps running. */
	OTHER

}
