package dev.ipc.nats;

import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;
import dev.ipc.transport.SubscriptionTable;

/**
 * A NATS member's side of publications (docs/nats.md, "Publications"): the topics its own
 * client subscribes to, announced on {@code ipc.<namespace>._subs.<self>} (NATS fans the
 * announcement out to every member, and the subject's last token vouches for who
 * announced, as for presence), and its table of everybody else's, fed by their
 * announcements, re-sent by each member when a newcomer says {@code HELLO}, and pruned
 * when a member departs. There is no host: every member keeps its own table, and a
 * recipient drops a published copy on a topic it does not subscribe to (any more).
 * Thread-safe; the table holds at most {@code maxMembers} endpoints.
 */
final class NatsSubscriptions {

	private final String self;

	private final int maxMembers;

	private final SubscriptionTable table = new SubscriptionTable();

	private final ReentrantLock lock = new ReentrantLock();

	/** Our own topics (written under lock). */
	private volatile Set<String> own = Set.of();

	/** {@link #own} encoded, or {@code null} while it is empty (written under lock). */
	private volatile byte @Nullable [] announcement;

	NatsSubscriptions(String self, int maxMembers) {
		this.self = self;
		this.maxMembers = maxMembers;
	}

	/**
	 * Remembers our topics and returns the announcement to publish.
	 * @throws IllegalArgumentException if the set exceeds the table's limits
	 */
	byte[] announce(Set<String> topics) {
		SubscriptionTable.requireAnnouncement(topics);
		lock.lock();
		try {
			own = Set.copyOf(topics);
			byte[] encoded = NatsFrame.subscriptions(own);
			announcement = own.isEmpty() ? null : encoded;
			return encoded;
		}
		finally {
			lock.unlock();
		}
	}

	/** Our current announcement, or {@code null} if we subscribe to nothing. */
	byte @Nullable [] current() {
		return announcement;
	}

	/**
	 * Another member's announcement.
	 * @return whether it was well-formed (else the caller drops it as malformed)
	 */
	boolean onAnnouncement(String source, byte[] data) {
		Set<String> topics = NatsFrame.decodeSubscriptions(data, SubscriptionTable.MAX_TOPICS);
		if (topics == null) {
			return false;
		}
		Endpoint endpoint = Endpoint.named(source);
		if (source.equals(self) || (table.topicsOf(endpoint).isEmpty() && table.size() >= maxMembers)) {
			return true; // ignored: an echo, or past the bound
		}
		table.replace(endpoint, topics);
		return true;
	}

	void departed(String name) {
		table.remove(Endpoint.named(name));
	}

	/** Whether a published copy on {@code topic} is for us. */
	boolean accepts(String topic) {
		return own.contains(topic);
	}

	Set<Endpoint> subscribersOf(String topic) {
		return table.subscribersOf(topic); // never holds self (see onAnnouncement)
	}

}
