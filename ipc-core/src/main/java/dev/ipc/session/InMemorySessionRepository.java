package dev.ipc.session;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.ipc.model.Endpoint;
import dev.ipc.spi.SessionRepository;

/**
 * Keeps sessions in a concurrent map for the life of the process (spec §5.1). Sessions
 * are lost on restart: a peer that still holds its side is answered with
 * {@code CryptoInvalidated} and re-handshakes. Never fails.
 *
 * @param <S> the session type
 */
public final class InMemorySessionRepository<S> implements SessionRepository<S> {

	private final ConcurrentHashMap<Endpoint, S> sessions = new ConcurrentHashMap<>();

	@Override
	public Optional<S> get(Endpoint peer) {
		return Optional.ofNullable(sessions.get(peer));
	}

	@Override
	public void save(Endpoint peer, S session) {
		sessions.put(Objects.requireNonNull(peer, "peer"), Objects.requireNonNull(session, "session"));
	}

	@Override
	public void remove(Endpoint peer) {
		sessions.remove(peer);
	}

	@Override
	public int size() {
		return sessions.size();
	}

}
