package dev.ipc.spi;

import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;

/**
 * The platform-specific transport that moves bytes between processes (spec §5.2). It does
 * not encrypt (the {@link CryptoProvider} does) but it is responsible for stamping a
 * trustworthy {@link dev.ipc.model.Source} on every incoming message.
 *
 * <p>
 * Thread safety: {@link #send} may be called from any thread at any time, concurrently
 * with receivers and other senders. Each {@link #subscribe()} returns an independent
 * receiver that sees every incoming message from its creation on.
 */
public interface CommunicationBackend extends AutoCloseable {

	/**
	 * Sends one message to its destination.
	 * @throws IpcUnreachableException if the destination is not connected (must fail
	 * fast, never wait)
	 * @throws IpcException classified {@link ErrorKind#FATAL} if the backend can never
	 * send again, else {@link ErrorKind#OTHER}
	 */
	void send(OutgoingMessage message);

	/**
	 * Opens a new receiver that buffers every message arriving from now on, independently
	 * of other receivers. The caller must close it when done.
	 * @throws IpcClosedException if the backend is closed
	 */
	BackendReceiver subscribe();

	/**
	 * Whether this backend carries publications ({@code IpcClient.publish}): it keeps a
	 * table of which endpoints subscribe to which topics ({@link #announceSubscriptions},
	 * {@link #subscribersOf}) and delivers copies marked as published
	 * ({@link #sendPublished}). The default is {@code false}: {@link #subscribersOf} is
	 * then always empty and a publication reaches nobody.
	 */
	default boolean supportsPublish() {
		return false;
	}

	/**
	 * Tells every other endpoint that this one now subscribes to exactly {@code topics}
	 * (the whole set, replacing the previous announcement; empty: none). Topics travel in
	 * clear already, so this reveals nothing new. Must not block on the network: a
	 * backend queues the announcement, re-sends the latest one after a reconnection, and
	 * forgets it when it closes. The default does nothing.
	 * @throws IllegalArgumentException if the set exceeds the backend's documented limits
	 * (count of topics, topic length)
	 */
	default void announceSubscriptions(Set<String> topics) {
	}

	/**
	 * The other endpoints that currently subscribe to {@code topic}, as far as this
	 * backend knows (never this endpoint itself). An endpoint's subscription counts from
	 * the moment its announcement reached this backend; so a process that just subscribed
	 * receives what is published after that, and nothing earlier. The default is empty.
	 */
	default Set<Endpoint> subscribersOf(String topic) {
		return Set.of();
	}

	/**
	 * Sends one copy of a publication to {@code message.destination()}, which receives it
	 * with {@link dev.ipc.model.DeliveryKind#PUBLISHED}. Fails like {@link #send}; a copy
	 * for an endpoint that is no longer subscribed to the topic when it gets there is
	 * dropped silently (it unsubscribed while the copy was on its way).
	 * @throws IpcException kind {@link ErrorKind#OTHER} if the backend does not
	 * {@link #supportsPublish support publications} (the default)
	 */
	default void sendPublished(OutgoingMessage message) {
		throw new IpcException(ErrorKind.OTHER, getClass().getSimpleName() + " does not carry publications");
	}

	/**
	 * The endpoints this backend currently knows to be reachable, for health and
	 * diagnostics. Empty when the transport cannot tell.
	 */
	default Set<Endpoint> reachableEndpoints() {
		return Set.of();
	}

	/**
	 * Whether the transport is connected (a peer) or serving (a host); {@code true} for
	 * in-process transports.
	 */
	default boolean isConnected() {
		return true;
	}

	/**
	 * Why the transport is not connected, when it knows: for a socket peer, why its last
	 * attempt to reach the host failed (no socket file, connection refused, permission
	 * denied, refused by the host, ...). Empty when connected, or when the transport
	 * cannot tell. For health details and diagnostics; never contains secrets.
	 */
	default Optional<String> lastConnectionProblem() {
		return Optional.empty();
	}

	/**
	 * Registers a callback told when a peer disconnects, so a client can fail RPCs
	 * pending on it at once instead of at their timeout. Transports that cannot tell
	 * ignore it. The callback must be fast and must not block.
	 */
	default void addDisconnectListener(Consumer<Endpoint> listener) {
	}

	/**
	 * Releases the backend's resources; its receivers then fail with
	 * {@link IpcClosedException}. Idempotent.
	 */
	@Override
	default void close() {
	}

}
