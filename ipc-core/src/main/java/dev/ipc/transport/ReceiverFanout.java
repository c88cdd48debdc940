package dev.ipc.transport;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.DeliveryGuard;
import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.InboundSink;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.ReceiveMarker;
import dev.ipc.spi.ReceiverLaggedException;

/**
 * The receiving half of a backend: hands every incoming message to each open
 * {@link BackendReceiver} (broadcast, spec §5.2). Each receiver buffers up to a capacity;
 * on overflow its oldest message is dropped and its next {@code receive} reports the loss
 * once as a recoverable {@link ErrorKind#OTHER} error ({@link ReceiverLaggedException},
 * with the count), as a lagged broadcast receiver does. {@link #publish} never blocks, so
 * a slow consumer cannot stall the transport. Receivers support
 * {@linkplain BackendReceiver#insertMarker markers}: they keep their place in the queue,
 * are never discarded on overflow and do not count against the capacity.
 *
 * <p>
 * Receivers also support {@linkplain BackendReceiver#deliverTo push delivery}: the
 * publishing thread (the transport's reader, or the sender's thread on the in-memory bus)
 * hands the message to the consumer's sink itself when no other thread is doing so, and
 * leaves it queued for that thread otherwise; a thread marked by {@link DeliveryGuard}
 * (it holds a crypto provider's lock) leaves it to a short-lived helper thread of the
 * receiver ({@code ipc-inbound-N}, gone after 2 s idle and at close). Either way one
 * entry at a time, in order.
 */
public final class ReceiverFanout {

	private static final Logger log = LoggerFactory.getLogger(ReceiverFanout.class);

	/**
	 * Entries one publishing thread hands to a push consumer before it leaves the rest to
	 * the helper thread.
	 */
	private static final int DRAIN_BUDGET = 256;

	/** How long an idle helper thread of a push receiver lives. */
	private static final long HELPER_IDLE_SECONDS = 2;

	private static final AtomicInteger HELPER_IDS = new AtomicInteger();

	/** Default per-receiver capacity. */
	public static final int DEFAULT_CAPACITY = 1024;

	private final CopyOnWriteArrayList<QueueReceiver> receivers = new CopyOnWriteArrayList<>();

	private final int capacity;

	private volatile boolean closed;

	public ReceiverFanout() {
		this(DEFAULT_CAPACITY);
	}

	public ReceiverFanout(int capacity) {
		if (capacity < 1) {
			throw new IllegalArgumentException("capacity must be at least 1");
		}
		this.capacity = capacity;
	}

	/**
	 * A new receiver that sees every message published from now on.
	 * @throws IpcClosedException if the fanout is closed
	 */
	public BackendReceiver subscribe() {
		if (closed) {
			throw new IpcClosedException("Backend is closed");
		}
		QueueReceiver receiver = new QueueReceiver();
		receivers.add(receiver);
		if (closed) {
			receiver.close();
		}
		return receiver;
	}

	/**
	 * Hands {@code message} to every open receiver.
	 * @return the number of messages dropped by full receivers
	 */
	public int publish(IncomingMessage message) {
		int dropped = 0;
		for (QueueReceiver receiver : receivers) {
			dropped += receiver.offer(message);
		}
		return dropped;
	}

	/** The number of open receivers. */
	public int receiverCount() {
		return receivers.size();
	}

	/** Closes every receiver and refuses new ones. */
	public void close() {
		closed = true;
		for (QueueReceiver receiver : receivers) {
			receiver.close();
		}
	}

	private final class QueueReceiver implements BackendReceiver {

		/** Buffered {@link IncomingMessage}s and {@link ReceiveMarker}s, in order. */
		private final ArrayDeque<Object> queue = new ArrayDeque<>();

		/** How many entries of {@link #queue} are markers. */
		private int markers;

		private final ReentrantLock lock = new ReentrantLock();

		private final Condition notEmpty = lock.newCondition();

		private long lagged;

		private boolean receiverClosed;

		/** The push consumer ({@link #deliverTo}), or {@code null} in pull mode. */
		private volatile @Nullable InboundSink sink;

		/**
		 * Set while one thread hands the queue to the sink; so entries go out one at a
		 * time, in order.
		 */
		private final AtomicBoolean draining = new AtomicBoolean();

		/**
		 * Runs drains the publishing thread may not run (see {@link DeliveryGuard});
		 * created on first use.
		 */
		private @Nullable ThreadPoolExecutor helper;

		@Override
		public boolean deliverTo(InboundSink consumer) {
			java.util.Objects.requireNonNull(consumer, "sink");
			lock.lock();
			try {
				if (sink != null) {
					throw new IllegalStateException("deliverTo was already called");
				}
				sink = consumer;
			}
			finally {
				lock.unlock();
			}
			deliver(); // what arrived between subscribe and now
			return true;
		}

		int offer(IncomingMessage message) {
			int dropped = 0;
			lock.lock();
			try {
				if (receiverClosed) {
					return 0;
				}
				if (queue.size() - markers >= capacity) {
					dropOldestMessage();
					lagged++;
					dropped = 1;
				}
				queue.addLast(message);
				notEmpty.signal();
			}
			finally {
				lock.unlock();
			}
			if (sink != null) {
				deliver();
			}
			return dropped;
		}

		/**
		 * Removes the oldest message, skipping markers (there is at least one message
		 * when the queue is full).
		 */
		private void dropOldestMessage() {
			if (markers == 0) {
				queue.pollFirst();
				return;
			}
			java.util.Iterator<Object> it = queue.iterator();
			while (it.hasNext()) {
				if (!(it.next() instanceof ReceiveMarker)) {
					it.remove();
					return;
				}
			}
		}

		@Override
		public boolean insertMarker(ReceiveMarker marker) {
			java.util.Objects.requireNonNull(marker, "marker");
			lock.lock();
			try {
				if (receiverClosed) {
					return false;
				}
				queue.addLast(marker);
				markers++;
				notEmpty.signal();
			}
			finally {
				lock.unlock();
			}
			if (sink != null) {
				deliver();
			}
			return true;
		}

		/**
		 * Hands the queue to the sink on this thread, or on the helper when this thread
		 * may not run it.
		 */
		private void deliver() {
			if (DeliveryGuard.isHeld()) {
				schedule();
			}
			else {
				drain();
			}
		}

		private void schedule() {
			ThreadPoolExecutor executor;
			lock.lock();
			try {
				if (receiverClosed) {
					return;
				}
				executor = helper;
				if (executor == null) {
					executor = new ThreadPoolExecutor(0, 1, HELPER_IDLE_SECONDS, TimeUnit.SECONDS,
							new LinkedBlockingQueue<>(), task -> {
								Thread thread = new Thread(task, "ipc-inbound-" + HELPER_IDS.incrementAndGet());
								thread.setDaemon(true);
								return thread;
							});
					helper = executor;
				}
			}
			finally {
				lock.unlock();
			}
			try {
				executor.execute(this::drain);
			}
			catch (java.util.concurrent.RejectedExecutionException ex) {
				// closed meanwhile: nothing left to deliver
			}
		}

		/**
		 * Hands queued entries to the sink until the queue is empty, unless another
		 * thread is doing so (it then picks up what this thread queued). After
		 * {@value #DRAIN_BUDGET} entries the rest goes to the helper, so a publishing
		 * thread is not kept forever by other publishers.
		 */
		private void drain() {
			InboundSink consumer = sink;
			if (consumer == null) {
				return;
			}
			int budget = DRAIN_BUDGET;
			while (draining.compareAndSet(false, true)) {
				try {
					while (true) {
						if (budget-- == 0) {
							schedule();
							return;
						}
						Object next;
						long lost = 0;
						lock.lock();
						try {
							if (receiverClosed) {
								return;
							}
							if (lagged > 0) {
								lost = lagged;
								lagged = 0;
								next = null;
							}
							else {
								next = queue.pollFirst();
								if (next == null) {
									break;
								}
								if (next instanceof ReceiveMarker) {
									markers--;
								}
							}
						}
						finally {
							lock.unlock();
						}
						handOver(consumer, next, lost);
					}
				}
				finally {
					draining.set(false);
				}
				if (!hasWork()) {
					return;
				}
			}
		}

		private void handOver(InboundSink consumer, @Nullable Object next, long lost) {
			try {
				if (next == null) {
					consumer.lagged(lost);
				}
				else if (next instanceof ReceiveMarker marker) {
					consumer.marker(marker);
				}
				else {
					consumer.message((IncomingMessage) next);
				}
			}
			catch (RuntimeException ex) {
				log.error("The consumer of a backend receiver failed on an incoming message (continuing)", ex);
			}
		}

		private boolean hasWork() {
			lock.lock();
			try {
				return !receiverClosed && (lagged > 0 || !queue.isEmpty());
			}
			finally {
				lock.unlock();
			}
		}

		@Override
		public IncomingMessage receive() throws InterruptedException {
			IncomingMessage message = receive(null);
			return java.util.Objects.requireNonNull(message, "an untimed receive returns a message");
		}

		@Override
		public @Nullable IncomingMessage receive(@Nullable Duration timeout) throws InterruptedException {
			if (sink != null) {
				throw new IllegalStateException("This receiver delivers to a sink (deliverTo); receive is not used");
			}
			long nanos = (timeout != null) ? timeout.toNanos() : Long.MAX_VALUE;
			lock.lockInterruptibly();
			try {
				while (true) {
					IncomingMessage next = takeLocked(); // the only consumer
					if (next != null) {
						return next;
					}
					if (timeout == null) {
						notEmpty.await();
					}
					else {
						if (nanos <= 0) {
							return null;
						}
						nanos = notEmpty.awaitNanos(nanos);
					}
				}
			}
			finally {
				lock.unlock();
			}
		}

		/**
		 * The oldest buffered message (or the lag/closed error, or a marker), without
		 * waiting; {@code null} if none.
		 */
		private @Nullable IncomingMessage takeLocked() {
			if (receiverClosed) {
				throw new IpcClosedException("Receiver is closed");
			}
			if (lagged > 0) {
				long lost = lagged;
				lagged = 0;
				throw new ReceiverLaggedException(lost);
			}
			Object next = queue.pollFirst();
			if (next instanceof ReceiveMarker marker) {
				markers--;
				throw marker;
			}
			return (IncomingMessage) next;
		}

		@Override
		public void close() {
			receivers.remove(this);
			ThreadPoolExecutor executor;
			lock.lock();
			try {
				receiverClosed = true;
				queue.clear();
				markers = 0;
				notEmpty.signalAll();
				executor = helper;
				helper = null;
			}
			finally {
				lock.unlock();
			}
			if (executor != null) {
				executor.shutdown();
			}
		}

	}

}
