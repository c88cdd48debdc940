package dev.ipc.nats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which endpoints are present, from their presence notices (docs/nats.md §5). A peer is
 * identified by its name and the (instance, epoch) pair it announces: a new instance (a
 * restarted process) or a new epoch (the same process after its own reconnect, which
 * forgot its sessions) is a departure followed by an arrival. A peer known only from a
 * message ({@link #seen}) has no instance yet, and its first notice is no departure.
 * Bounded by {@code maxPeers}: notices from more names than that are ignored.
 * Thread-safe; methods return the names that departed, for the caller to report outside
 * the lock.
 */
final class PeerTable {

	private record Peer(long instance, long epoch, long lastSeenNanos) {
	}

	private final Map<String, Peer> peers = new HashMap<>();

	private final int maxPeers;

	PeerTable(int maxPeers) {
		this.maxPeers = maxPeers;
	}

	/**
	 * A presence notice (HELLO or HERE) from {@code name}; returns the names that
	 * departed (the old incarnation).
	 */
	synchronized List<String> announced(String name, long instance, long epoch, long now) {
		Peer old = peers.get(name);
		if (old == null && peers.size() >= maxPeers) {
			return List.of();
		}
		peers.put(name, new Peer(instance, epoch, now));
		if (old != null && old.instance != 0 && (old.instance != instance || old.epoch != epoch)) {
			return List.of(name);
		}
		return List.of();
	}

	/**
	 * A message from {@code name}: keeps it present (adds it, without instance, if
	 * unknown).
	 */
	synchronized void seen(String name, long now) {
		Peer old = peers.get(name);
		if (old == null) {
			if (peers.size() < maxPeers) {
				peers.put(name, new Peer(0, 0, now));
			}
			return;
		}
		peers.put(name, new Peer(old.instance, old.epoch, now));
	}

	/**
	 * A BYE from {@code name}'s {@code instance}: returns it if it was present under that
	 * instance.
	 */
	synchronized List<String> left(String name, long instance) {
		Peer old = peers.get(name);
		if (old != null && (old.instance == instance || old.instance == 0)) {
			peers.remove(name);
			return List.of(name);
		}
		return List.of();
	}

	/** Removes and returns the peers not heard of since {@code deadline}. */
	synchronized List<String> expire(long deadline) {
		List<String> gone = new ArrayList<>();
		for (Iterator<Map.Entry<String, Peer>> it = peers.entrySet().iterator(); it.hasNext();) {
			Map.Entry<String, Peer> entry = it.next();
			if (entry.getValue().lastSeenNanos - deadline < 0) {
				gone.add(entry.getKey());
				it.remove();
			}
		}
		return gone;
	}

	/** Removes and returns every peer (this endpoint lost its server). */
	synchronized List<String> clear() {
		List<String> gone = new ArrayList<>(peers.keySet());
		peers.clear();
		return gone;
	}

	synchronized boolean isPresent(String name) {
		return peers.containsKey(name);
	}

	synchronized Set<String> names() {
		return new TreeSet<>(peers.keySet());
	}

}
