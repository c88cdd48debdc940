package dev.ipc.event;

import java.util.List;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.client.IpcClientState;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.ErrorKind;

/** Forwards events to several listeners, isolating each from the others' exceptions. */
final class CompositeEventListener implements IpcEventListener {

	private static final Logger log = LoggerFactory.getLogger(CompositeEventListener.class);

	private final List<IpcEventListener> listeners;

	CompositeEventListener(List<IpcEventListener> listeners) {
		this.listeners = listeners;
	}

	private void each(Consumer<IpcEventListener> event) {
		for (IpcEventListener listener : listeners) {
			try {
				event.accept(listener);
			}
			catch (RuntimeException ex) {
				log.warn("IPC event listener {} failed", listener.getClass().getName(), ex);
			}
		}
	}

	@Override
	public void messageSent(@Nullable String topic, Endpoint destination, int payloadBytes) {
		each(l -> l.messageSent(topic, destination, payloadBytes));
	}

	@Override
	public void sendFailed(@Nullable String topic, Endpoint destination, ErrorKind kind) {
		each(l -> l.sendFailed(topic, destination, kind));
	}

	@Override
	public void messageReceived(@Nullable String topic, Endpoint source, int payloadBytes) {
		each(l -> l.messageReceived(topic, source, payloadBytes));
	}

	@Override
	public void messageDropped(DropReason reason, @Nullable Endpoint peer) {
		each(l -> l.messageDropped(reason, peer));
	}

	@Override
	public void messagesDropped(DropReason reason, @Nullable Endpoint peer, long count) {
		each(l -> l.messagesDropped(reason, peer, count));
	}

	@Override
	public void subscriberOverflow(@Nullable String subscriptionTopic, long lost) {
		each(l -> l.subscriberOverflow(subscriptionTopic, lost));
	}

	@Override
	public void subscriberFailed(@Nullable String subscriptionTopic, Throwable error) {
		each(l -> l.subscriberFailed(subscriptionTopic, error));
	}

	@Override
	public void rpcClientCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
		each(l -> l.rpcClientCompleted(requestType, outcome, durationNanos));
	}

	@Override
	public void rpcServerCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
		each(l -> l.rpcServerCompleted(requestType, outcome, durationNanos));
	}

	@Override
	public void handshakeStarted(Endpoint peer, String suite, boolean initiator) {
		each(l -> l.handshakeStarted(peer, suite, initiator));
	}

	@Override
	public void handshakeCompleted(Endpoint peer, String suite, boolean initiator, long durationNanos) {
		each(l -> l.handshakeCompleted(peer, suite, initiator, durationNanos));
	}

	@Override
	public void handshakeFailed(Endpoint peer, String reason) {
		each(l -> l.handshakeFailed(peer, reason));
	}

	@Override
	public void sessionInvalidated(Endpoint peer, String reason) {
		each(l -> l.sessionInvalidated(peer, reason));
	}

	@Override
	public void stateChanged(IpcClientState state, @Nullable Throwable cause) {
		each(l -> l.stateChanged(state, cause));
	}

}
