package dev.ipc.observation;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * Observes what a client does for its application, one {@link Exchange} per RPC sent, RPC
 * answered and message sent: the hook Micrometer observations and tracing are built on
 * (see {@code IpcClientBuilder.observer}). Every method has a no-op default.
 *
 * <p>
 * Unlike an {@code IpcEventListener}, which is told once something happened, an observer
 * is told when it starts, on the thread that starts it (the caller's thread for a request
 * or a send, so the caller's current trace is the parent), may open a scope around the
 * handler it serves, and may carry a {@link RpcContextCarrier context} to the responder.
 * Methods are called from client threads and must be fast; an exception thrown by an
 * observer is caught and logged by the client, never seen by the application or the peer.
 */
public interface IpcObserver {

	/** An observer that observes nothing. */
	IpcObserver NOOP = new IpcObserver() {
	};

	/**
	 * An RPC request is about to be encoded and sent.
	 * @param requestType the request type name (a local type: bounded)
	 * @param destination where it goes
	 * @param requestId its id (unique: never a metric tag)
	 * @return the exchange, whose {@link Exchange#outgoingContext()} goes into the
	 * request envelope
	 */
	default Exchange rpcClient(String requestType, Endpoint destination, String requestId) {
		return Exchange.NOOP;
	}

	/**
	 * An RPC request was received and is about to be served.
	 * @param requestType the name of a local handler's request type, or {@code unknown}
	 * when there is none
	 * @param source the caller, as verified by the transport
	 * @param requestId its id (chosen by the peer: never a metric tag)
	 * @param context the context the requester carried (see {@link RpcContextCarrier});
	 * empty for Bitwarden peers
	 * @return the exchange; its scope is open while the handler is called
	 */
	default Exchange rpcServer(String requestType, Source source, String requestId, Map<String, String> context) {
		return Exchange.NOOP;
	}

	/**
	 * An application message is about to be sent ({@code IpcClient.send}; not RPC
	 * envelopes).
	 * @param topic its topic (a local payload type's, or the caller's)
	 * @param destination where it goes
	 */
	default Exchange send(@Nullable String topic, Endpoint destination) {
		return Exchange.NOOP;
	}

	/** One observed operation, stopped exactly once. */
	interface Exchange {

		/** An exchange that carries nothing and records nothing. */
		Exchange NOOP = new Exchange() {
		};

		/**
		 * What to carry to the responder (only asked of RPC client exchanges); see
		 * {@link RpcContextCarrier}.
		 */
		default Map<String, String> outgoingContext() {
			return Map.of();
		}

		/**
		 * Makes this exchange current on the calling thread until the scope is closed
		 * (around a handler call).
		 */
		default Scope openScope() {
			return Scope.NOOP;
		}

		/**
		 * The operation ended.
		 * @param outcome how an RPC ended; {@code null} for a send
		 * @param failure what failed, if anything
		 */
		default void stop(@Nullable RpcOutcome outcome, @Nullable Throwable failure) {
		}

	}

	/** A scope opened by {@link Exchange#openScope()}. */
	interface Scope extends AutoCloseable {

		/** A scope that does nothing. */
		Scope NOOP = () -> {
		};

		@Override
		void close();

	}

	/**
	 * Wraps {@code observer} so that none of its exceptions reaches the client: each is
	 * logged (at most now and then) and the operation goes on unobserved.
	 */
	static IpcObserver guarded(IpcObserver observer) {
		return (observer == NOOP || observer instanceof GuardedObserver) ? observer : new GuardedObserver(observer);
	}

}
