package dev.ipc.transport.socket;

import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;
import dev.ipc.transport.SubscriptionTable;

/**
 * A socket transport's side of publications: the topics its own client subscribes to
 * (announced to the host now and again after every reconnection, or entered in the host's
 * table directly when this process is the host), and, as a peer, its replica of the
 * host's subscription table, fed by {@code Subscribers} frames, pruned on
 * {@code PeerLeft} and cleared when the connection to the host is lost (the next host
 * sends the whole table after its {@code Welcome}). Thread-safe; never blocks on the
 * network (announcements only queue on the connection).
 */
final class PeerSubscriptions {

	private final Endpoint self;

	private final SubscriptionTable replica = new SubscriptionTable();

	private final ReentrantLock lock = new ReentrantLock();

	/** This process's own topics (guarded by lock). */
	private Set<String> own = Set.of();

	PeerSubscriptions(Endpoint self) {
		this.self = self;
	}

	/**
	 * The client now subscribes to exactly {@code topics}: remembered, and announced
	 * through whichever of {@code host} and {@code link} is current.
	 * @throws IllegalArgumentException if the set exceeds the table's limits
	 */
	void announce(Set<String> topics, @Nullable HostServer host, @Nullable PeerLink link) {
		SubscriptionTable.requireAnnouncement(topics);
		lock.lock();
		try {
			own = Set.copyOf(topics);
			if (host != null) {
				host.subscriptions().announce(self, own);
			}
			else if (link != null && link.pubsub()) {
				link.sendSubscriptions(own);
			}
		}
		finally {
			lock.unlock();
		}
	}

	/** A connection to a host came up: tells it this process's topics. */
	void linkUp(PeerLink link) {
		lock.lock();
		try {
			if (!own.isEmpty() && link.pubsub()) {
				link.sendSubscriptions(own);
			}
		}
		finally {
			lock.unlock();
		}
	}

	/** This process became the host: its topics go into its own table. */
	void hostUp(HostServer host) {
		lock.lock();
		try {
			replica.clear();
			if (!own.isEmpty()) {
				host.subscriptions().announce(self, own);
			}
		}
		finally {
			lock.unlock();
		}
	}

	/** The host says who subscribes to what (on the connection's thread). */
	void onSubscribers(Frame.Subscribers subscribers) {
		if (!subscribers.endpoint().equals(self)) {
			replica.replace(subscribers.endpoint(), Set.copyOf(subscribers.topics()));
		}
	}

	void peerLeft(Endpoint endpoint) {
		replica.remove(endpoint);
	}

	void linkLost() {
		replica.clear();
	}

	/** The other subscribers of {@code topic}: from the host's table, or the replica. */
	Set<Endpoint> subscribersOf(String topic, @Nullable HostServer host) {
		if (host != null) {
			return host.subscriptions().subscribersOf(topic);
		}
		return replica.subscribersOf(topic); // never holds self (see onSubscribers)
	}

}
