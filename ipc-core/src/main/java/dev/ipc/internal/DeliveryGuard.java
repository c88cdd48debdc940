package dev.ipc.internal;

/**
 * Marks a thread that holds locks an inbound consumer may need (a crypto provider's
 * per-peer lock while it hands a frame to the transport), so that a transport which would
 * run the receiving side's processing on the publishing thread (the in-memory bus) hands
 * it to another thread instead. Without it, two clients sending to each other at the same
 * time over such a transport could each hold its own lock while waiting for the other's.
 * Not API.
 *
 * <pre>{@code
 * DeliveryGuard.enter();
 * try { backend.send(frame); } finally { DeliveryGuard.exit(); }
 * }</pre>
 */
public final class DeliveryGuard {

	private static final ThreadMark MARK = new ThreadMark();

	private DeliveryGuard() {
	}

	/** The current thread holds such locks from now on (nests). */
	public static void enter() {
		MARK.enter();
	}

	/** Undoes one {@link #enter()}. */
	public static void exit() {
		MARK.exit();
	}

	/** Whether inbound processing must not run on the current thread. */
	public static boolean isHeld() {
		return MARK.isSet();
	}

}
