package dev.ipc.spi;

import java.util.function.BooleanSupplier;

/**
 * An optional capability of a {@link CommunicationBackend}: a thread that waits for
 * something the inbound path will produce (typically the response to its own RPC) lends
 * itself to the receive side while it waits, instead of parking until a transport thread
 * hands the result over. A socket peer, for example, lets the waiting thread read its
 * connection, decrypt and dispatch what arrives (its own response and anything else, in
 * order, exactly as its I/O thread would), so a synchronous round trip costs the waiting
 * thread one wake-up, as a blocking socket client does. Only one thread drives a
 * connection at a time; others wait for their turn or their condition.
 *
 * <p>
 * A client uses it when the backend implements this interface and otherwise waits for its
 * future; backends that cannot lend the receive side (in-process, brokers, stdio) simply
 * do not implement it. An implementation that cannot drive at the moment (not connected,
 * called on its own I/O thread, or a thread already driving) just waits, so callers need
 * no second code path.
 */
public interface ReceiveDriver {

	/**
	 * Returns once {@code condition} holds or {@link System#nanoTime()} reaches
	 * {@code deadlineNanos}, whichever comes first; meanwhile the calling thread may read
	 * and deliver incoming messages (to the backend's receivers, as usual). Whatever it
	 * delivers and whatever it leaves when it returns is delivered exactly as without it:
	 * no message is lost, reordered or left unread when it returns, times out or is
	 * interrupted (the receive side is handed on to another waiting thread or back to the
	 * backend's own thread). {@code condition} is evaluated on the calling thread after
	 * every delivery and after every {@link #wake}; it must be cheap and must not block.
	 * @param spinNanos how long to poll without sleeping before it blocks (0: block at
	 * once); spinning keeps a CPU busy for up to that long per wait. An implementation
	 * may let only the thread that reads spin, and park the threads waiting behind it
	 * @return whether the condition holds
	 * @throws InterruptedException if the thread is interrupted while waiting (the
	 * receive side is handed on first)
	 */
	boolean driveUntil(BooleanSupplier condition, long deadlineNanos, long spinNanos) throws InterruptedException;

	/**
	 * Tells {@code waiter}, a thread in {@link #driveUntil}, that its condition may now
	 * hold (because another thread made it so). Any thread; cheap, never blocks; a no-op
	 * when {@code waiter} is the calling thread.
	 */
	void wake(Thread waiter);

}
