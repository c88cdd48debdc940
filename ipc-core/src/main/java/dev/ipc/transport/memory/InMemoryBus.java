package dev.ipc.transport.memory;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.transport.DisconnectListeners;
import dev.ipc.transport.ReceiverFanout;
import dev.ipc.transport.SubscriptionTable;

/**
 * An in-process transport: several clients in one JVM, each {@linkplain #connect
 * connected} under its own endpoint, address each other by endpoint. The bus stamps the
 * sender's registered {@link Source} on every delivery, so a client cannot claim to be
 * someone else, and a send to an endpoint nobody holds fails fast with
 * {@link IpcUnreachableException}. Payloads are handed over without copying. Publications
 * ({@code IpcClient.publish}) work too: the bus keeps one subscription table for its
 * members, updated at once on every announcement and close, so a publication made after a
 * subscribe call returned reaches that subscriber.
 *
 * <pre>{@code
 * InMemoryBus bus = new InMemoryBus();
 * CommunicationBackend vault = bus.connect(Endpoint.named("vault"));
 * CommunicationBackend worker = bus.connect(Endpoint.named("worker"));
 * }</pre>
 */
public final class InMemoryBus {

	private final ConcurrentHashMap<Endpoint, Member> members = new ConcurrentHashMap<>();

	private final int receiverCapacity;

	/** Who subscribes to what, for publications (one table for all members). */
	private final SubscriptionTable subscriptions = new SubscriptionTable();

	/**
	 * A bus whose receivers buffer up to {@link ReceiverFanout#DEFAULT_CAPACITY} messages
	 * each.
	 */
	public InMemoryBus() {
		this(ReceiverFanout.DEFAULT_CAPACITY);
	}

	/** A bus whose receivers buffer up to {@code receiverCapacity} messages each. */
	public InMemoryBus(int receiverCapacity) {
		this.receiverCapacity = receiverCapacity;
	}

	/**
	 * Connects a backend under {@code endpoint}; its messages carry
	 * {@link Source#of(Endpoint)}.
	 * @throws IllegalStateException if the endpoint is already connected
	 */
	public CommunicationBackend connect(Endpoint endpoint) {
		return connect(Source.of(endpoint));
	}

	/**
	 * Connects a backend whose messages carry {@code identity} as their source (for
	 * example a web source with an origin); it is reachable at
	 * {@code identity.toEndpoint()}.
	 * @throws IllegalStateException if that endpoint is already connected
	 */
	public CommunicationBackend connect(Source identity) {
		Objects.requireNonNull(identity, "identity");
		Member member = new Member(identity);
		if (members.putIfAbsent(member.endpoint, member) != null) {
			throw new IllegalStateException("Endpoint " + member.endpoint + " is already connected to this bus");
		}
		return member;
	}

	/** The endpoints currently connected. */
	public Set<Endpoint> endpoints() {
		return Set.copyOf(members.keySet());
	}

	private final class Member implements CommunicationBackend {

		private final Source identity;

		private final Endpoint endpoint;

		private final ReceiverFanout fanout = new ReceiverFanout(receiverCapacity);

		private final DisconnectListeners disconnectListeners = new DisconnectListeners();

		private volatile boolean closed;

		Member(Source identity) {
			this.identity = identity;
			this.endpoint = identity.toEndpoint();
		}

		@Override
		public void send(OutgoingMessage message) {
			if (closed) {
				throw new IpcClosedException("Backend of " + endpoint + " is closed");
			}
			Member target = members.get(message.destination());
			if (target == null) {
				throw new IpcUnreachableException(message.destination());
			}
			target.fanout
				.publish(new IncomingMessage(message.payload(), message.destination(), identity, message.topic()));
		}

		@Override
		public boolean supportsPublish() {
			return true;
		}

		@Override
		public void announceSubscriptions(Set<String> topics) {
			SubscriptionTable.requireAnnouncement(topics);
			if (!closed) {
				subscriptions.replace(endpoint, topics);
			}
		}

		@Override
		public Set<Endpoint> subscribersOf(String topic) {
			return subscriptions.subscribersOf(topic, endpoint);
		}

		@Override
		public void sendPublished(OutgoingMessage message) {
			if (closed) {
				throw new IpcClosedException("Backend of " + endpoint + " is closed");
			}
			Member target = members.get(message.destination());
			if (target == null) {
				throw new IpcUnreachableException(message.destination());
			}
			String topic = message.topic();
			if (topic != null && subscriptions.isSubscribed(target.endpoint, topic)) {
				target.fanout.publish(new IncomingMessage(message.payload(), message.destination(), identity, topic,
						DeliveryKind.PUBLISHED));
			}
		}

		@Override
		public BackendReceiver subscribe() {
			return fanout.subscribe();
		}

		@Override
		public Set<Endpoint> reachableEndpoints() {
			return endpoints();
		}

		@Override
		public boolean isConnected() {
			return !closed;
		}

		@Override
		public void addDisconnectListener(Consumer<Endpoint> listener) {
			disconnectListeners.add(listener);
		}

		@Override
		public void close() {
			if (closed) {
				return;
			}
			closed = true;
			subscriptions.remove(endpoint);
			members.remove(endpoint, this);
			fanout.close();
			for (Member other : members.values()) {
				other.disconnectListeners.fire(endpoint);
			}
		}

		@Override
		public String toString() {
			return "InMemoryBackend[" + endpoint + "]";
		}

	}

}
