package dev.ipc.transport;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.ReceiveMarker;
import dev.ipc.spi.ReceiverLaggedException;

/**
 * The receiving half of a backend: hands every incoming message to each open {@link BackendReceiver} (broadcast, spec
 * §5.2). Each receiver buffers up to a capacity; on overflow its oldest message is dropped and its next
 * {@code receive} reports the loss once as a recoverable {@link ErrorKind#OTHER} error
 * ({@link ReceiverLaggedException}, with the count), as a lagged broadcast receiver does. {@link #publish} never
 * blocks, so a slow consumer cannot stall the transport. Receivers support
 * {@linkplain BackendReceiver#insertMarker markers}: they keep their place in the queue, are never discarded on
 * overflow and do not count against the capacity.
 */
public final class ReceiverFanout {

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
			if (!receiver.tryInline(message)) {
				dropped += receiver.offer(message);
			}
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

		/**
		 * Held while one message of this receiver is being processed, by the consumer's loop (from a
		 * {@code receive} that returned a message or threw a marker until its next call) or by a delivering thread
		 * running the inline handler; so messages are processed one at a time, in order, whoever runs them.
		 */
		private final ReentrantLock processing = new ReentrantLock();

		private volatile @Nullable Consumer<IncomingMessage> inline;

		@Override
		public boolean deliverInline(Consumer<IncomingMessage> handler) {
			this.inline = handler;
			return true;
		}

		/** Runs the inline handler on this thread if nobody is processing and nothing is buffered. */
		boolean tryInline(IncomingMessage message) {
			Consumer<IncomingMessage> handler = inline;
			if (handler == null || receiverClosed || processing.isHeldByCurrentThread() || !processing.tryLock()) {
				return false;
			}
			try {
				lock.lock();
				try {
					if (!queue.isEmpty() || lagged > 0 || receiverClosed) {
						return false;
					}
				}
				finally {
					lock.unlock();
				}
				handler.accept(message);
				return true;
			}
			finally {
				processing.unlock();
			}
		}

		private final Condition notEmpty = lock.newCondition();

		private long lagged;

		private boolean receiverClosed;

		int offer(IncomingMessage message) {
			lock.lock();
			try {
				if (receiverClosed) {
					return 0;
				}
				int dropped = 0;
				if (queue.size() - markers >= capacity) {
					dropOldestMessage();
					lagged++;
					dropped = 1;
				}
				queue.addLast(message);
				notEmpty.signal();
				return dropped;
			}
			finally {
				lock.unlock();
			}
		}

		/** Removes the oldest message, skipping markers (there is at least one message when the queue is full). */
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
				return true;
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
			if (processing.isHeldByCurrentThread()) {
				processing.unlock();
			}
			long nanos = (timeout != null) ? timeout.toNanos() : Long.MAX_VALUE;
			while (true) {
				if (!awaitAvailable(timeout, nanos)) {
					return null;
				}
				if (inline == null) {
					IncomingMessage next = poll(); // the only consumer: what is available is still there
					if (next != null) {
						return next;
					}
					continue;
				}
				// wait for an inline delivery in progress, then take the oldest entry (a message may have been taken)
				processing.lockInterruptibly();
				IncomingMessage taken;
				try {
					taken = poll();
				}
				catch (ReceiveMarker marker) {
					throw marker; // keep processing held: the consumer handles the marker until its next receive
				}
				catch (RuntimeException ex) {
					processing.unlock();
					throw ex;
				}
				if (taken != null) {
					return taken;
				}
				processing.unlock();
			}
		}

		/** The oldest buffered message (or the lag/closed error, or a marker), without waiting; {@code null} if none. */
		private @Nullable IncomingMessage poll() {
			lock.lock();
			try {
				return takeLocked();
			}
			finally {
				lock.unlock();
			}
		}

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

		/**
		 * Waits until something can be taken: a message, a marker, or the lag/closed error. Returns {@code false} if
		 * {@code timeout} passed first ({@code null}: no timeout).
		 */
		private boolean awaitAvailable(@Nullable Duration timeout, long nanos) throws InterruptedException {
			lock.lockInterruptibly();
			try {
				while (!receiverClosed && lagged == 0 && queue.isEmpty()) {
					if (timeout == null) {
						notEmpty.await();
					}
					else {
						if (nanos <= 0) {
							return false;
						}
						nanos = notEmpty.awaitNanos(nanos);
					}
				}
				return true;
			}
			finally {
				lock.unlock();
			}
		}

		@Override
		public void close() {
			receivers.remove(this);
			lock.lock();
			try {
				receiverClosed = true;
				queue.clear();
				markers = 0;
				notEmpty.signalAll();
			}
			finally {
				lock.unlock();
			}
		}

	}

}
