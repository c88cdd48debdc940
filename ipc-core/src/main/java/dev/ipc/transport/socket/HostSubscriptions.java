package dev.ipc.transport.socket;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import dev.ipc.model.Endpoint;
import dev.ipc.transport.SubscriptionTable;

/**
 * The host's subscription table ({@code docs/transport-protocol.md} §13): which endpoint
 * subscribes to which topics, fed by the version-3 peers' {@code Subscriptions} frames
 * and the host process's own client, and kept current at every version-3 peer with
 * {@code Subscribers} frames (the whole table right after its {@code Welcome}, then each
 * change). Publishers use their copy to know whom to encrypt a copy for; the host uses
 * its own to relay a {@code Publish} only to a recipient that subscribes to its topic (so
 * no peer can push "publications" at one that never asked, and a copy in flight to one
 * that just unsubscribed is dropped).
 *
 * <p>
 * A departure removes the endpoint's entry here; the peers remove theirs on
 * {@code PeerLeft}, which the host sends anyway. One lock orders table changes with the
 * newcomers' first view, so each peer sees every change after its snapshot exactly once.
 * Sending only queues on the connections (never blocks); a connection so far behind that
 * not even an update fits is handed to {@code closeStuck}, as for presence updates.
 */
final class HostSubscriptions {

	private final Endpoint self;

	private final SubscriptionTable table = new SubscriptionTable();

	private final ReentrantLock lock = new ReentrantLock();

	/** The version-3 peers that are told of changes, by endpoint (guarded by lock). */
	private final Map<Endpoint, Connection> listeners = new LinkedHashMap<>();

	private final Consumer<List<Connection>> closeStuck;

	HostSubscriptions(Endpoint self, Consumer<List<Connection>> closeStuck) {
		this.self = self;
		this.closeStuck = closeStuck;
	}

	/**
	 * A version-3 peer registered: it gets the current table, then every change. Call
	 * after its {@code Welcome} and {@code Bind}s were queued, under the host's registry
	 * lock (so its departure cannot overtake this).
	 * @return the connection if it is stuck (the caller closes it, outside the lock)
	 */
	List<Connection> joined(Endpoint endpoint, Connection connection) {
		List<Connection> stuck = new ArrayList<>();
		lock.lock();
		try {
			for (Map.Entry<Endpoint, Set<String>> e : table.snapshot().entrySet()) {
				if (!e.getKey().equals(endpoint) && connection.offer(subscribersFrame(e.getKey(), e.getValue()),
						true) == Connection.Offer.FULL) {
					stuck.add(connection);
					break;
				}
			}
			listeners.put(endpoint, connection);
		}
		finally {
			lock.unlock();
		}
		return stuck;
	}

	/**
	 * {@code endpoint} now subscribes to exactly {@code topics} (a peer's frame, already
	 * checked by the codec, or the host's own client): updates the table and tells every
	 * other version-3 peer if anything changed.
	 */
	void announce(Endpoint endpoint, Set<String> topics) {
		List<Connection> stuck = new ArrayList<>();
		lock.lock();
		try {
			if (!table.replace(endpoint, topics)) {
				return;
			}
			byte[] frame = subscribersFrame(endpoint, topics);
			for (Map.Entry<Endpoint, Connection> e : listeners.entrySet()) {
				if (!e.getKey().equals(endpoint) && e.getValue().offer(frame, true) == Connection.Offer.FULL) {
					stuck.add(e.getValue());
				}
			}
		}
		finally {
			lock.unlock();
		}
		closeStuck.accept(stuck);
	}

	/** {@code endpoint} left: its subscriptions end with it. */
	void left(Endpoint endpoint, Connection connection) {
		lock.lock();
		try {
			listeners.remove(endpoint, connection);
			table.remove(endpoint);
		}
		finally {
			lock.unlock();
		}
	}

	/** Whether a copy of a publication on {@code topic} may go to {@code recipient}. */
	boolean accepts(Endpoint recipient, String topic) {
		return table.isSubscribed(recipient, topic);
	}

	/** The subscribers of {@code topic} other than the host itself. */
	Set<Endpoint> subscribersOf(String topic) {
		return table.subscribersOf(topic, self);
	}

	private static byte[] subscribersFrame(Endpoint endpoint, Set<String> topics) {
		return FrameCodec.encode(new Frame.Subscribers(endpoint, List.copyOf(topics)));
	}

}
