package dev.ipc.transport;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.model.Endpoint;

/**
 * The disconnect listeners of one backend
 * ({@link dev.ipc.spi.CommunicationBackend#addDisconnectListener}), shared by the
 * project's transports: {@link #fire} tells each, in the order they were added, on the
 * calling thread. A listener that throws is logged at WARN and does not keep the others
 * from hearing of it. Thread-safe. Not API.
 */
public final class DisconnectListeners {

	private static final Logger log = LoggerFactory.getLogger(DisconnectListeners.class);

	private final List<Consumer<Endpoint>> listeners = new CopyOnWriteArrayList<>();

	/**
	 * Adds a listener.
	 * @throws NullPointerException if {@code listener} is null
	 */
	public void add(Consumer<Endpoint> listener) {
		listeners.add(Objects.requireNonNull(listener, "listener"));
	}

	/** Tells every listener that {@code endpoint} went away. */
	public void fire(Endpoint endpoint) {
		for (Consumer<Endpoint> listener : listeners) {
			try {
				listener.accept(endpoint);
			}
			catch (RuntimeException ex) {
				log.warn("Disconnect listener failed", ex);
			}
		}
	}

}
