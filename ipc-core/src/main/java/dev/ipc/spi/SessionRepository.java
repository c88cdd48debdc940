package dev.ipc.spi;

import java.util.Optional;

import dev.ipc.model.Endpoint;

/**
 * Keeps one cryptographic session per peer, keyed by {@link Endpoint} with structural
 * equality (spec §5.1).
 *
 * <p>
 * Implementations must be thread-safe. The crypto provider serialises mutations per peer,
 * so an implementation need not offer compare-and-set. A repository that cannot read or
 * write its storage throws an {@link IpcException} of kind {@link ErrorKind#FATAL}; the
 * client then stops instead of losing nonce state silently.
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

	/**
	 * Whether sessions outlive the process (a file, a database). A provider then treats
	 * the repository as storage rather than as the session's home: it reads each peer's
	 * session once, works on its own copy and writes what it must not lose ahead of use
	 * (the Noise provider reserves send nonces in blocks and saves receive progress in
	 * batches, see {@code docs/session-store.md}), so a durable repository sees a few
	 * writes per thousand messages, not one per message. {@link #save} must be durable
	 * when it returns; {@link #saveDeferred} may be coalesced. The default is
	 * {@code false}: every change is saved and the repository is read on every use.
	 */
	default boolean isDurable() {
		return false;
	}

	/**
	 * Stores the session like {@link #save}, but may delay making it durable, coalescing
	 * several such saves into one write (at the latest by the repository's own interval,
	 * or at {@link #flush()}); after a crash the previous state may come back. For what a
	 * provider can afford to lose (the Noise provider's receive nonces, see
	 * {@code docs/session-store.md}), never for send-nonce reservations. The default is
	 * {@link #save}.
	 */
	default void saveDeferred(Endpoint peer, S session) {
		save(peer, session);
	}

	/**
	 * Makes every deferred save so far durable before it returns. The default does
	 * nothing.
	 * @throws IpcException kind {@link ErrorKind#FATAL} if the storage cannot be written
	 */
	default void flush() {
	}

	/** The number of stored sessions, for health and metrics; {@code -1} when unknown. */
	default int size() {
		return -1;
	}

}
