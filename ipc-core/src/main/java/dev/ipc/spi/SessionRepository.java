package dev.ipc.spi;

import java.util.Optional;

import dev.ipc.model.Endpoint;

/**
 * Keeps one cryptographic session per peer, keyed by {@link Endpoint} with structural equality (spec §5.1).
 *
 * <p>Implementations must be thread-safe. The crypto provider serialises mutations per peer, so an
 * implementation need not offer compare-and-set. A repository that cannot read or write its storage throws
 * an {@link IpcException} of kind {@link ErrorKind#FATAL}; the client then stops instead of losing nonce
 * state silently.
 *
 * @param <S> the session type of the crypto provider using this repository
 */
public interface SessionRepository<S> {

	/** The stored session for {@code peer}, if any. */
	Optional<S> get(Endpoint peer);

	/** Stores (inserts or overwrites) the session for {@code peer}. */
	void save(Endpoint peer, S session);

	/** Removes the session for {@code peer}; no error if there is none. */
	void remove(Endpoint peer);

	/** The number of stored sessions, for health and metrics; {@code -1} when unknown. */
	default int size() {
		return -1;
	}

}
