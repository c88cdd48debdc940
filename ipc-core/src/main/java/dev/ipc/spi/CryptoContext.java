package dev.ipc.spi;

import java.util.Objects;

import dev.ipc.event.IpcEventListener;

/**
 * What a {@link CryptoProvider} may use: the backend to exchange its own messages, the
 * session repository, and the event listener to report handshakes, drops and
 * invalidations.
 *
 * @param <S> the session type
 * @param backend the transport
 * @param sessions the per-peer session store
 * @param events where to report observable events (never {@code null}; a no-op by
 * default)
 */
public record CryptoContext<S>(CommunicationBackend backend, SessionRepository<S> sessions, IpcEventListener events) {

	public CryptoContext {
		Objects.requireNonNull(backend, "backend");
		Objects.requireNonNull(sessions, "sessions");
		Objects.requireNonNull(events, "events");
	}

}
