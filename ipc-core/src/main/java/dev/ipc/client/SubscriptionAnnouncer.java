package dev.ipc.client;

import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.spi.CommunicationBackend;

/**
 * Tells the backend which topics the client subscribes to whenever that set changes, so
 * that other processes' publications on them reach it
 * ({@link CommunicationBackend#announceSubscriptions}). Announcements are serialised, so
 * the last one the backend gets is the current set. A set the backend refuses (past its
 * limits) is logged and not announced: publications on those topics then do not reach
 * this process, addressed messages still do.
 */
final class SubscriptionAnnouncer {

	private static final Logger log = LoggerFactory.getLogger(SubscriptionAnnouncer.class);

	private final CommunicationBackend backend;

	private final Supplier<Set<String>> topics;

	private final ReentrantLock lock = new ReentrantLock();

	private Set<String> announced = Set.of();

	SubscriptionAnnouncer(CommunicationBackend backend, Supplier<Set<String>> topics) {
		this.backend = backend;
		this.topics = topics;
	}

	/** The set may have changed: announces it if it did. Never blocks on the network. */
	void changed() {
		if (!backend.supportsPublish()) {
			return;
		}
		lock.lock();
		try {
			Set<String> now = Set.copyOf(topics.get());
			if (now.equals(announced)) {
				return;
			}
			backend.announceSubscriptions(now);
			announced = now;
		}
		catch (IllegalArgumentException ex) {
			log.warn("Cannot announce this client's subscriptions: {}; publications on them will not reach it",
					ex.getMessage());
		}
		catch (RuntimeException ex) {
			log.debug("Announcing subscriptions failed: {}", ex.toString());
		}
		finally {
			lock.unlock();
		}
	}

}
