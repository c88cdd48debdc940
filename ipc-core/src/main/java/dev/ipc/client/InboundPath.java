package dev.ipc.client;

import java.time.Duration;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.internal.InboundThread;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Topics;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.InboundSink;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.ReceiveMarker;
import dev.ipc.spi.ReceiverLaggedException;

/**
 * A client's inbound path, one straight line: the backend delivers a frame, the crypto
 * provider {@linkplain CryptoProvider#process processes} it, the application message (if
 * any) is dispatched: an RPC request to the responder (on the handler executor), a
 * response to the pending request it answers, and every message to the matching
 * subscriptions. A departure marker is handled in the same order
 * ({@link Departures#departed}). For a push-capable receiver it runs on the delivering
 * thread ({@link #sink}); for a pull-only one, on the client's receive thread
 * ({@link #pull}). Each is bound to one run of the client (its generation) and ignores
 * what still arrives after a stop. The thread is marked ({@link InboundThread}) while it
 * runs here, so nothing on it waits for what only this path could deliver. A fatal
 * receive error stops the client (the one signal that goes up, to the life cycle).
 */
final class InboundPath {

	private static final Logger log = LoggerFactory.getLogger(InboundPath.class);

	private final ClientState state;

	private final CryptoProvider<Object> crypto;

	private final CryptoContext<Object> cryptoContext;

	private final IpcEventListener events;

	private final Dispatcher dispatcher;

	private final RpcResponder responder;

	private final PendingRequests pending;

	private final SubscriptionHub subscriptions;

	private final Departures departures;

	private final Consumer<IpcException> stopOnFatal;

	private final WarningLimiter lagWarnings = new WarningLimiter(WarningLimiter.PEER_WARNING_INTERVAL);

	InboundPath(ClientState state, CryptoProvider<Object> crypto, CryptoContext<Object> cryptoContext,
			IpcEventListener events, Dispatcher dispatcher, RpcResponder responder, PendingRequests pending,
			SubscriptionHub subscriptions, Departures departures, Consumer<IpcException> stopOnFatal) {
		this.state = state;
		this.crypto = crypto;
		this.cryptoContext = cryptoContext;
		this.events = events;
		this.dispatcher = dispatcher;
		this.responder = responder;
		this.pending = pending;
		this.subscriptions = subscriptions;
		this.departures = departures;
		this.stopOnFatal = stopOnFatal;
	}

	/** The sink a push-capable receiver delivers run {@code gen}'s stream to. */
	InboundSink sink(int gen) {
		return new InboundSink() {
			@Override
			public void message(IncomingMessage message) {
				processPushed(message, gen);
			}

			@Override
			public void marker(ReceiveMarker marker) {
				if (marker instanceof PeerDeparture departure) {
					departedInStream(departure, gen);
				}
			}

			@Override
			public void lagged(long lost) {
				if (state.isCurrent(gen)) {
					receiveQueueOverflowed(lost);
				}
			}
		};
	}

	/**
	 * The receive thread's loop over a pull-only receiver (or for a provider whose
	 * processing may block), for run {@code gen}.
	 */
	void pull(BackendReceiver rx, int gen) {
		InboundThread.enter(); // for the life of this thread
		while (state.isCurrent(gen)) {
			IncomingMessage message;
			try {
				message = crypto.receive(cryptoContext, rx);
			}
			catch (InterruptedException ex) {
				break;
			}
			catch (PeerDeparture departure) {
				departures.departed(departure);
				continue;
			}
			catch (RuntimeException ex) {
				if (!state.isCurrent(gen) || receiveFailed(ex)) {
					break;
				}
				continue;
			}
			dispatchSafely(message);
		}
	}

	private void processPushed(IncomingMessage raw, int gen) {
		if (!state.isCurrent(gen)) {
			return;
		}
		InboundThread.enter();
		try {
			IncomingMessage message;
			try {
				message = crypto.process(cryptoContext, raw);
			}
			catch (RuntimeException ex) {
				if (state.isCurrent(gen)) {
					receiveFailed(ex);
				}
				return;
			}
			if (message != null) {
				dispatchSafely(message);
			}
		}
		finally {
			InboundThread.exit();
		}
	}

	private void departedInStream(PeerDeparture departure, int gen) {
		if (!state.isCurrent(gen)) {
			return; // stop() handles the departures it did not reach
		}
		InboundThread.enter();
		try {
			departures.departed(departure);
		}
		finally {
			InboundThread.exit();
		}
	}

	/** Handles a receive failure; returns whether the client stopped. */
	private boolean receiveFailed(RuntimeException failure) {
		if (failure instanceof ReceiverLaggedException lag) {
			receiveQueueOverflowed(lag.lost());
			return false;
		}
		if (failure instanceof IpcException ex) {
			if (ex.kind() == ErrorKind.FATAL) {
				log.error("IPC client '{}' stops: fatal receive error: {}", state.name(), ex.getMessage(), ex);
				stopOnFatal.accept(ex);
				return true;
			}
			if (ex.kind() == ErrorKind.UNREACHABLE) {
				log.debug("IPC client '{}': receive failed: {}", state.name(), ex.getMessage());
			}
			else {
				log.warn("IPC client '{}': receive failed: {}", state.name(), ex.getMessage());
			}
			return false;
		}
		log.error("IPC client '{}': unexpected error while receiving (continuing)", state.name(), failure);
		return false;
	}

	/**
	 * The receiver discarded {@code lost} messages because the inbound path fell behind:
	 * count each, warn now and then.
	 */
	private void receiveQueueOverflowed(long lost) {
		events.messagesDropped(DropReason.RECEIVE_QUEUE_OVERFLOW, null, lost);
		if (lagWarnings.allow()) {
			log.warn(
					"IPC client '{}': {} incoming message(s) lost, the receive queue was full (counted as {} drops; "
							+ "further losses are logged at warn at most every {} s)",
					state.name(), lost, DropReason.RECEIVE_QUEUE_OVERFLOW, lagWarnings.intervalSeconds());
		}
		else {
			log.debug("IPC client '{}': {} incoming message(s) lost, the receive queue was full", state.name(), lost);
		}
	}

	private void dispatchSafely(IncomingMessage message) {
		try {
			dispatch(message);
		}
		catch (RuntimeException ex) {
			log.error("IPC client '{}': failed to dispatch a message on topic {}", state.name(), message.topic(), ex);
		}
	}

	private void dispatch(IncomingMessage message) {
		String topic = message.topic();
		Endpoint from = message.source().toEndpoint();
		events.messageReceived(topic, from, message.payload().length);
		if (Topics.RPC_REQUEST.equals(topic)) {
			dispatcher.execute(() -> responder.serve(message, from));
			return;
		}
		if (Topics.isRpcResponseTopic(topic)
				|| (!pending.isEmpty() && PendingRequests.mayBeResponse(message.payload()))) {
			pending.matchResponse(message, from);
		}
		subscriptions.deliver(message);
	}

}
