package dev.ipc.client;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.IpcEventListener;
import dev.ipc.model.IncomingMessage;

/**
 * The client's subscriptions: fans each delivered message out to every matching queue.
 */
final class SubscriptionHub {

	private static final Logger log = LoggerFactory.getLogger(SubscriptionHub.class);

	private final CopyOnWriteArrayList<SubscriberQueue> queues = new CopyOnWriteArrayList<>();

	private final Dispatcher dispatcher;

	private final IpcEventListener events;

	private final int capacity;

	/** Told when the set of subscribed topics may have changed. */
	private volatile Runnable topicsChanged = () -> {
	};

	SubscriptionHub(Dispatcher dispatcher, IpcEventListener events, int capacity) {
		this.dispatcher = dispatcher;
		this.events = events;
		this.capacity = capacity;
	}

	SubscriberQueue add(@Nullable String topic, @Nullable MessageListener listener) {
		SubscriberQueue queue = new SubscriberQueue(this, topic, capacity, listener);
		queues.add(queue);
		if (topic != null) {
			topicsChanged.run();
		}
		return queue;
	}

	void remove(SubscriberQueue queue) {
		if (queues.remove(queue) && queue.topic() != null) {
			topicsChanged.run();
		}
	}

	/** Registers what to run when the subscribed topics may have changed. */
	void onTopicsChanged(Runnable listener) {
		this.topicsChanged = listener;
	}

	/** Offers {@code message} to every matching subscription; never blocks. */
	void deliver(IncomingMessage message) {
		String topic = message.topic();
		for (SubscriberQueue queue : queues) {
			if (queue.matches(topic) && queue.offer(message) > 0) {
				events.subscriberOverflow(queue.topic(), 1);
			}
		}
	}

	void dispatch(Runnable task) {
		dispatcher.execute(task);
	}

	void listenerFailed(@Nullable String topic, Throwable error) {
		log.warn("IPC subscriber for topic {} failed", topic, error);
		events.subscriberFailed(topic, error);
	}

	Set<String> topics() {
		Set<String> topics = new LinkedHashSet<>();
		for (SubscriberQueue queue : queues) {
			if (queue.topic() != null) {
				topics.add(queue.topic());
			}
		}
		return topics;
	}

	void closeAll() {
		for (SubscriberQueue queue : queues) {
			queue.markClosed();
		}
		queues.clear();
		topicsChanged.run();
	}

}
