package dev.ipc.client;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import dev.ipc.model.Endpoint;

/**
 * The responder's memory of the request ids it recently served, by source, so that a
 * request a requester re-sends with the same id (its transparent retry after
 * {@code CryptoInvalidated}, or a replay) never runs a handler twice. Bounded: at most
 * {@link #CAPACITY} entries (the oldest is forgotten first), ids longer than
 * {@link #MAX_ID_LENGTH} characters are not remembered (ours and Bitwarden's are
 * 36-character UUIDs), and a peer's entries are forgotten when it leaves.
 */
final class RecentRequests {

	static final int CAPACITY = 4096;

	static final int MAX_ID_LENGTH = 128;

	private record Key(Endpoint source, String requestId) {
	}

	private final ReentrantLock lock = new ReentrantLock();

	private final LinkedHashMap<Key, Boolean> seen = new LinkedHashMap<>(64, 0.75f, false) {
		private static final long serialVersionUID = 1L;

		@Override
		protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
			return size() > CAPACITY;
		}
	};

	/**
	 * Records the request; returns {@code false} if the same source sent the same id
	 * recently.
	 */
	boolean firstTime(Endpoint source, String requestId) {
		if (requestId.length() > MAX_ID_LENGTH) {
			return true;
		}
		lock.lock();
		try {
			return seen.putIfAbsent(new Key(source, requestId), Boolean.TRUE) == null;
		}
		finally {
			lock.unlock();
		}
	}

	/** Forgets every id from {@code source} (it left; a rejoining peer starts afresh). */
	void forget(Endpoint source) {
		lock.lock();
		try {
			for (Iterator<Key> it = seen.keySet().iterator(); it.hasNext();) {
				if (it.next().source().equals(source)) {
					it.remove();
				}
			}
		}
		finally {
			lock.unlock();
		}
	}

}
