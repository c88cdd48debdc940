package dev.ipc.transport;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;

/**
 * Which endpoints subscribe to which topics, for backends that carry publications
 * ({@link dev.ipc.spi.CommunicationBackend#supportsPublish}): the socket host keeps the
 * authoritative one, each socket peer and NATS member a replica, the in-memory bus one
 * for all its members. Each endpoint's entry is replaced as a whole by its latest
 * announcement and removed when it leaves.
 *
 * <p>
 * Lookups ({@link #subscribersOf}, {@link #isSubscribed}) are lock-free and allocate
 * nothing: they read immutable sets replaced on every change. Changes take a lock and
 * copy; they are rare (a subscribe or unsubscribe) and bounded by {@link #MAX_TOPICS} per
 * endpoint. Thread-safe. Never throws for a well-formed call; {@link #checkAnnouncement}
 * tells a caller whether a peer's announcement stays within the limits.
 */
public final class SubscriptionTable {

	/** The most topics one endpoint may announce. */
	public static final int MAX_TOPICS = 1024;

	/** The longest topic an announcement may name, in UTF-8 bytes. */
	public static final int MAX_TOPIC_BYTES = 1024;

	private final ReentrantLock lock = new ReentrantLock();

	/** Per endpoint its topics (immutable sets, replaced under the lock). */
	private final ConcurrentHashMap<Endpoint, Set<String>> byEndpoint = new ConcurrentHashMap<>();

	/** Per topic its subscribers (immutable sets, replaced under the lock). */
	private final ConcurrentHashMap<String, Set<Endpoint>> byTopic = new ConcurrentHashMap<>();

	/**
	 * Why {@code topics} cannot be an announcement (too many, blank, too long), or
	 * {@code null} if it can.
	 */
	public static @Nullable String checkAnnouncement(Set<String> topics) {
		if (topics.size() > MAX_TOPICS) {
			return topics.size() + " topics, the limit is " + MAX_TOPICS;
		}
		for (String topic : topics) {
			if (topic.isEmpty() || topic.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
				return "a topic must be 1-" + MAX_TOPIC_BYTES + " UTF-8 bytes";
			}
		}
		return null;
	}

	/**
	 * Checks {@code topics} as an announcement of this process's own subscriptions.
	 * @throws IllegalArgumentException saying why, if {@link #checkAnnouncement} refuses
	 * it
	 */
	public static void requireAnnouncement(Set<String> topics) {
		String problem = checkAnnouncement(topics);
		if (problem != null) {
			throw new IllegalArgumentException("Cannot announce these subscriptions: " + problem);
		}
	}

	/**
	 * Makes {@code topics} the whole subscription of {@code endpoint} (empty removes it).
	 * @return whether anything changed
	 */
	public boolean replace(Endpoint endpoint, Set<String> topics) {
		Objects.requireNonNull(endpoint, "endpoint");
		Set<String> next = Set.copyOf(topics);
		lock.lock();
		try {
			Set<String> previous = byEndpoint.getOrDefault(endpoint, Set.of());
			if (previous.equals(next)) {
				return false;
			}
			for (String topic : previous) {
				if (!next.contains(topic)) {
					removeFromTopic(topic, endpoint);
				}
			}
			for (String topic : next) {
				if (!previous.contains(topic)) {
					Set<Endpoint> copy = new HashSet<>(byTopic.getOrDefault(topic, Set.of()));
					copy.add(endpoint);
					byTopic.put(topic, Set.copyOf(copy));
				}
			}
			if (next.isEmpty()) {
				byEndpoint.remove(endpoint);
			}
			else {
				byEndpoint.put(endpoint, next);
			}
			return true;
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Forgets {@code endpoint} (it left).
	 * @return whether it had subscriptions
	 */
	public boolean remove(Endpoint endpoint) {
		return replace(endpoint, Set.of());
	}

	/** Forgets everything (a peer lost its host). */
	public void clear() {
		lock.lock();
		try {
			byEndpoint.clear();
			byTopic.clear();
		}
		finally {
			lock.unlock();
		}
	}

	private void removeFromTopic(String topic, Endpoint endpoint) {
		Set<Endpoint> copy = new HashSet<>(byTopic.getOrDefault(topic, Set.of()));
		copy.remove(endpoint);
		if (copy.isEmpty()) {
			byTopic.remove(topic);
		}
		else {
			byTopic.put(topic, Set.copyOf(copy));
		}
	}

	/** The endpoints subscribed to {@code topic} (an immutable snapshot). */
	public Set<Endpoint> subscribersOf(String topic) {
		return byTopic.getOrDefault(topic, Set.of());
	}

	/**
	 * The endpoints other than {@code except} subscribed to {@code topic} (an immutable
	 * snapshot; the stored one when {@code except} is not among them).
	 */
	public Set<Endpoint> subscribersOf(String topic, Endpoint except) {
		Set<Endpoint> all = subscribersOf(topic);
		if (!all.contains(except)) {
			return all;
		}
		Set<Endpoint> others = new HashSet<>(all);
		others.remove(except);
		return Set.copyOf(others);
	}

	/** How many endpoints subscribe to anything. */
	public int size() {
		return byEndpoint.size();
	}

	/** Whether {@code endpoint} subscribes to {@code topic}. */
	public boolean isSubscribed(Endpoint endpoint, String topic) {
		return byEndpoint.getOrDefault(endpoint, Set.of()).contains(topic);
	}

	/** The topics of {@code endpoint} (an immutable snapshot, empty if none). */
	public Set<String> topicsOf(Endpoint endpoint) {
		return byEndpoint.getOrDefault(endpoint, Set.of());
	}

	/** Every entry, for a newcomer's first view and for diagnostics. */
	public Map<Endpoint, Set<String>> snapshot() {
		return Map.copyOf(byEndpoint);
	}

}
