package dev.ipc.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.IpcClosedException;

/**
 * One subscription's bounded queue. {@link #offer} never blocks (the receive loop calls
 * it): when full, the oldest message is dropped and counted. Consumers either pull
 * ({@link #receive}) or are fed by a {@link MessageListener} serially on the dispatcher.
 */
final class SubscriberQueue implements Subscription {

	private final SubscriptionHub hub;

	private final @Nullable String topic;

	private final int capacity;

	private final ArrayDeque<IncomingMessage> queue;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition notEmpty = lock.newCondition();

	private final @Nullable MessageListener listener;

	private final AtomicBoolean draining = new AtomicBoolean();

	private long lost;

	private long lostNotReported;

	private boolean closed;

	SubscriberQueue(SubscriptionHub hub, @Nullable String topic, int capacity, @Nullable MessageListener listener) {
		this.hub = hub;
		this.topic = topic;
		this.capacity = capacity;
		this.queue = new ArrayDeque<>(Math.min(capacity, 64));
		this.listener = listener;
	}

	boolean matches(@Nullable String messageTopic) {
		return topic == null || topic.equals(messageTopic);
	}

	/**
	 * Enqueues without blocking; returns the number of messages dropped to make room (0
	 * or 1).
	 */
	int offer(IncomingMessage message) {
		int dropped = 0;
		lock.lock();
		try {
			if (closed) {
				return 0;
			}
			if (queue.size() >= capacity) {
				queue.pollFirst();
				lost++;
				lostNotReported++;
				dropped = 1;
			}
			queue.addLast(message);
			notEmpty.signal();
		}
		finally {
			lock.unlock();
		}
		if (listener != null && draining.compareAndSet(false, true)) {
			hub.dispatch(this::drain);
		}
		return dropped;
	}

	/**
	 * Feeds the listener until the queue is empty; runs on the dispatcher, one drain at a
	 * time.
	 */
	private void drain() {
		MessageListener target = listener;
		while (true) {
			IncomingMessage next;
			long lostNow;
			lock.lock();
			try {
				next = queue.pollFirst();
				lostNow = lostNotReported;
				lostNotReported = 0;
				if (next == null) {
					draining.set(false);
				}
			}
			finally {
				lock.unlock();
			}
			if (lostNow > 0) {
				try {
					target.onMessagesLost(lostNow);
				}
				catch (RuntimeException ex) {
					hub.listenerFailed(topic, ex);
				}
			}
			if (next == null) {
				// a message offered between the poll and the flag reset must not be
				// stranded
				if (hasPending() && draining.compareAndSet(false, true)) {
					continue;
				}
				return;
			}
			try {
				target.onMessage(next);
			}
			catch (Exception ex) {
				hub.listenerFailed(topic, ex);
			}
		}
	}

	private boolean hasPending() {
		lock.lock();
		try {
			return !queue.isEmpty() && !closed;
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public @Nullable String topic() {
		return topic;
	}

	@Override
	public IncomingMessage receive() throws InterruptedException {
		lock.lockInterruptibly();
		try {
			while (queue.isEmpty()) {
				if (closed) {
					throw new IpcClosedException("Subscription is closed");
				}
				notEmpty.await();
			}
			return queue.pollFirst();
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public @Nullable IncomingMessage receive(Duration timeout) throws InterruptedException {
		long nanos = timeout.toNanos();
		lock.lockInterruptibly();
		try {
			while (queue.isEmpty()) {
				if (closed) {
					throw new IpcClosedException("Subscription is closed");
				}
				if (nanos <= 0) {
					return null;
				}
				nanos = notEmpty.awaitNanos(nanos);
			}
			return queue.pollFirst();
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public long lostMessageCount() {
		lock.lock();
		try {
			return lost;
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public int size() {
		lock.lock();
		try {
			return queue.size();
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public void close() {
		hub.remove(this);
		markClosed();
	}

	void markClosed() {
		lock.lock();
		try {
			closed = true;
			if (listener != null) {
				queue.clear();
			}
			notEmpty.signalAll();
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public String toString() {
		return "Subscription[topic=" + topic + "]";
	}

}
