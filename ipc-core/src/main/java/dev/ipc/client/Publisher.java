package dev.ipc.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.IpcBackpressureException;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;

/**
 * A client's {@code publish}: one copy per current subscriber of the topic (as the
 * backend's subscription table knows them), each encrypted by the crypto provider under
 * that recipient's own session, exactly as an addressed send would be, and handed to the
 * backend as a published copy ({@link CommunicationBackend#sendPublished}). The copies go
 * out in turn on the calling thread, so one publisher's publications reach each recipient
 * in the order of its {@code publish} calls.
 *
 * <p>
 * When the transport's own outbound queue is full (the publisher outruns the host), a
 * copy waits for room, at most {@link #BACKPRESSURE_WAIT}; a slow recipient never makes
 * it wait (the host drops copies for it instead). A recipient that left, or whose copy
 * failed for another reason that is not fatal, is skipped and reported to the event
 * listener ({@code sendFailed}); the others still get theirs. Only a
 * {@link ErrorKind#FATAL} error is thrown.
 */
final class Publisher {

	private static final Logger log = LoggerFactory.getLogger(Publisher.class);

	/**
	 * The longest one copy waits for room in the transport's full outbound queue before
	 * it is given up.
	 */
	static final Duration BACKPRESSURE_WAIT = Duration.ofSeconds(1);

	private final CommunicationBackend backend;

	private final CryptoProvider<Object> crypto;

	/** The client's context with a backend view that marks data frames as published. */
	private final CryptoContext<Object> publishContext;

	private final IpcEventListener events;

	private final Consumer<Endpoint> beforeSend;

	private final WarningLimiter warnings = new WarningLimiter(WarningLimiter.PEER_WARNING_INTERVAL);

	private final String name;

	/**
	 * @param beforeSend run before a copy goes to a recipient (the client waits there for
	 * a departure of that recipient it has noticed but not handled yet)
	 */
	Publisher(String name, CommunicationBackend backend, CryptoProvider<Object> crypto, CryptoContext<Object> context,
			Consumer<Endpoint> beforeSend) {
		this.name = name;
		this.backend = backend;
		this.crypto = crypto;
		this.events = context.events();
		this.beforeSend = beforeSend;
		this.publishContext = new CryptoContext<>(new PublishingView(backend), context.sessions(), context.events());
	}

	/**
	 * Publishes {@code payload} on {@code topic} to its subscribers, or only to those of
	 * them in {@code only}.
	 * @return how many recipients the transport accepted a copy for
	 * @throws IpcException kind {@link ErrorKind#FATAL} when the backend or provider can
	 * never work again
	 */
	int publish(String topic, byte[] payload, @Nullable Set<Endpoint> only) {
		Objects.requireNonNull(topic, "topic");
		Objects.requireNonNull(payload, "payload");
		if (!backend.supportsPublish()) {
			return 0;
		}
		int sent = 0;
		for (Endpoint recipient : backend.subscribersOf(topic)) {
			if (only != null && !only.contains(recipient)) {
				continue;
			}
			if (sendCopy(topic, payload, recipient)) {
				sent++;
			}
		}
		return sent;
	}

	private boolean sendCopy(String topic, byte[] payload, Endpoint recipient) {
		try {
			beforeSend.accept(recipient);
			sendWaitingForRoom(new OutgoingMessage(payload, recipient, topic));
		}
		catch (IpcUnreachableException ex) {
			// it left while we were publishing: costs the others nothing
			events.sendFailed(topic, recipient, ex.kind());
			return false;
		}
		catch (IpcException ex) {
			events.sendFailed(topic, recipient, ex.kind());
			if (ex.kind() == ErrorKind.FATAL) {
				throw ex;
			}
			if (warnings.allow()) {
				log.warn("IPC client '{}': a published copy on {} for {} failed: {}", name, topic, recipient,
						ex.getMessage());
			}
			return false;
		}
		events.messageSent(topic, recipient, payload.length);
		return true;
	}

	/**
	 * Sends one copy; while the transport's own outbound queue is full (the publisher
	 * outruns the host, not a slow recipient: the host never waits for one), waits for
	 * room with a growing pause, at most {@link #BACKPRESSURE_WAIT} per copy, then gives
	 * the copy up.
	 */
	private void sendWaitingForRoom(OutgoingMessage copy) {
		long deadline = 0;
		long pause = 20_000;
		while (true) {
			try {
				crypto.send(publishContext, copy);
				return;
			}
			catch (IpcBackpressureException ex) {
				long now = System.nanoTime();
				if (deadline == 0) {
					deadline = now + BACKPRESSURE_WAIT.toNanos();
				}
				else if (now - deadline >= 0) {
					throw ex;
				}
				LockSupport.parkNanos(pause);
				if (Thread.interrupted()) {
					Thread.currentThread().interrupt();
					throw ex;
				}
				pause = Math.min(pause * 2, 1_000_000);
			}
		}
	}

	/**
	 * The backend as the crypto provider sees it while publishing: data frames (the only
	 * frames with a topic) go out as published copies, protocol frames (a handshake, an
	 * invalidation; no topic) as ordinary addressed messages.
	 */
	private static final class PublishingView implements CommunicationBackend {

		private final CommunicationBackend backend;

		PublishingView(CommunicationBackend backend) {
			this.backend = backend;
		}

		@Override
		public void send(OutgoingMessage message) {
			if (message.topic() != null) {
				backend.sendPublished(message);
			}
			else {
				backend.send(message);
			}
		}

		@Override
		public BackendReceiver subscribe() {
			return backend.subscribe();
		}

		@Override
		public Set<Endpoint> reachableEndpoints() {
			return backend.reachableEndpoints();
		}

		@Override
		public boolean isConnected() {
			return backend.isConnected();
		}

		@Override
		public void addDisconnectListener(Consumer<Endpoint> listener) {
			backend.addDisconnectListener(listener);
		}

		@Override
		public void close() {
			// the client closes the real backend
		}

	}

}
