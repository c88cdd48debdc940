package dev.ipc.internal;

/**
 * Marks a thread that is running a client's inbound path (a transport's delivering
 * thread, or a client's own receive thread): the answers to anything it waited for would
 * have to come through that same path, so it must not wait for them. A crypto provider
 * uses it to avoid starting a handshake there (the Noise provider keeps using a session
 * that is due for a rehandshake, and refuses to handshake from scratch). Not API.
 */
public final class InboundThread {

	private static final ThreadMark MARK = new ThreadMark();

	private InboundThread() {
	}

	/** The current thread runs an inbound path from now on (nests). */
	public static void enter() {
		MARK.enter();
	}

	/** Undoes one {@link #enter()}. */
	public static void exit() {
		MARK.exit();
	}

	/** Whether the current thread runs an inbound path. */
	public static boolean isActive() {
		return MARK.isSet();
	}

}
