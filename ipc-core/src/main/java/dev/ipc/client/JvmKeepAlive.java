package dev.ipc.client;

import java.util.concurrent.CountDownLatch;

import org.jspecify.annotations.Nullable;

/**
 * Keeps the JVM alive while a client runs: every other thread of the client is a daemon,
 * so without it an application whose {@code main} returns after starting a client (a
 * headless Spring Boot application, a plain Java service) would exit at once. While
 * {@linkplain #begin() begun} it holds one non-daemon thread named
 * {@code <client name>-keep-alive} that does nothing but wait; {@link #end()} releases it
 * and waits (briefly) for it to finish. It never stops the JVM from exiting through
 * {@code System.exit} or a signal: shutdown hooks still run, and they are where an
 * application closes its client. Both methods are idempotent and thread-safe; a client
 * that was stopped and started again gets a new thread. Does nothing when disabled.
 */
final class JvmKeepAlive {

	/**
	 * How long {@link #end()} waits for the thread to finish (it only has to return from
	 * a wait).
	 */
	private static final long JOIN_MILLIS = 1_000;

	private final String threadName;

	private final boolean enabled;

	private @Nullable CountDownLatch release;

	private @Nullable Thread thread;

	JvmKeepAlive(String clientName, boolean enabled) {
		this.threadName = clientName + "-keep-alive";
		this.enabled = enabled;
	}

	/** Starts the keep-alive thread unless disabled or already started. */
	synchronized void begin() {
		if (!enabled || thread != null) {
			return;
		}
		CountDownLatch latch = new CountDownLatch(1);
		Thread t = new Thread(() -> awaitRelease(latch), threadName);
		t.setDaemon(false);
		t.setContextClassLoader(null); // holds no application class loader (devtools
										// restarts)
		release = latch;
		thread = t;
		t.start();
	}

	/** Releases the keep-alive thread, if any, and waits up to a second for it to end. */
	void end() {
		Thread t;
		synchronized (this) {
			t = thread;
			CountDownLatch latch = release;
			thread = null;
			release = null;
			if (latch != null) {
				latch.countDown();
			}
		}
		if (t != null && t != Thread.currentThread()) {
			try {
				t.join(JOIN_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private static void awaitRelease(CountDownLatch latch) {
		while (true) {
			try {
				latch.await();
				return;
			}
			catch (InterruptedException ex) {
				// only end() ends it: an interrupt (a thread dump tool, a blanket
				// interrupt of all threads) is ignored
			}
		}
	}

}
