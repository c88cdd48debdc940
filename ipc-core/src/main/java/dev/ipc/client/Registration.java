package dev.ipc.client;

/**
 * A handle to something registered with a client (a handler, a listener);
 * {@link #close()} unregisters it.
 */
@FunctionalInterface
public interface Registration extends AutoCloseable {

	/** Unregisters. Idempotent; never throws. */
	@Override
	void close();

}
