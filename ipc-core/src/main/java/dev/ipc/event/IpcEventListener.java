package dev.ipc.event;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.ipc.client.IpcClientState;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.ErrorKind;

/**
 * Receives observable events from a client, its crypto provider and its subscriptions:
 * the hook metrics, health and tracing are built on. Every method has a no-op default.
 *
 * <p>
 * Implementations are called synchronously on the thread where the event happens (often
 * the receive loop), so they must be fast and must not block or throw; an exception
 * thrown by a listener is caught and logged. Events never carry payloads or key material.
 * Topics reported for incoming messages are chosen by the remote side: bound their
 * cardinality before using them as metric tags.
 */
public interface IpcEventListener {

	/** A listener that ignores every event. */
	IpcEventListener NOOP = new IpcEventListener() {
	};

	/**
	 * The {@link #sessionInvalidated} reason a crypto provider gives when the peer told
	 * it that it could not decrypt one of our frames (Noise's {@code CryptoInvalidated}):
	 * no handler ran for what we sent under that session, so the client re-sends the
	 * requests still waiting on that peer.
	 */
	String PEER_COULD_NOT_DECRYPT = "peer sent CryptoInvalidated";

	/** An application message was handed to the transport. */
	default void messageSent(@Nullable String topic, Endpoint destination, int payloadBytes) {
	}

	/** An application message could not be sent. */
	default void sendFailed(@Nullable String topic, Endpoint destination, ErrorKind kind) {
	}

	/** An application message was received and decrypted. */
	default void messageReceived(@Nullable String topic, Endpoint source, int payloadBytes) {
	}

	/**
	 * An incoming message or frame was dropped. {@code peer} is {@code null} when
	 * unknown.
	 */
	default void messageDropped(DropReason reason, @Nullable Endpoint peer) {
	}

	/**
	 * {@code count} incoming messages were dropped at once for the same reason (for
	 * instance lost to a full receive queue). The default reports each through
	 * {@link #messageDropped}; a listener that counts may override it to add
	 * {@code count} in one step.
	 */
	default void messagesDropped(DropReason reason, @Nullable Endpoint peer, long count) {
		for (long i = 0; i < count; i++) {
			messageDropped(reason, peer);
		}
	}

	/**
	 * A subscription's queue was full and its oldest {@code lost} messages were
	 * discarded.
	 */
	default void subscriberOverflow(@Nullable String subscriptionTopic, long lost) {
	}

	/** A subscriber callback threw. */
	default void subscriberFailed(@Nullable String subscriptionTopic, Throwable error) {
	}

	/** An RPC this client sent completed. */
	default void rpcClientCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
	}

	/**
	 * An RPC this client answered completed. {@code requestType} is one this client has a
	 * handler for, or "unknown".
	 */
	default void rpcServerCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
	}

	/** A key exchange with {@code peer} started. */
	default void handshakeStarted(Endpoint peer, String suite, boolean initiator) {
	}

	/** A key exchange with {@code peer} completed and the session was stored. */
	default void handshakeCompleted(Endpoint peer, String suite, boolean initiator, long durationNanos) {
	}

	/**
	 * A key exchange with {@code peer} failed; {@code reason} is a short, bounded
	 * description.
	 */
	default void handshakeFailed(Endpoint peer, String reason) {
	}

	/**
	 * The session with {@code peer} was discarded; {@code reason} is a short, bounded
	 * description.
	 */
	default void sessionInvalidated(Endpoint peer, String reason) {
	}

	/**
	 * The client changed state; {@code cause} is the fatal error when it stopped because
	 * of one.
	 */
	default void stateChanged(IpcClientState state, @Nullable Throwable cause) {
	}

	/** A listener that forwards every event to each of {@code listeners} in order. */
	static IpcEventListener composite(List<? extends IpcEventListener> listeners) {
		return new CompositeEventListener(List.copyOf(listeners));
	}

}
