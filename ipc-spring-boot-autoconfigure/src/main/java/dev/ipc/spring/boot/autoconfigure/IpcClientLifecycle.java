package dev.ipc.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

import dev.ipc.client.IpcClient;
import dev.ipc.spring.annotation.IpcHandlerRegistry;

/**
 * Starts and stops the {@link IpcClient} with the application context, together with the
 * annotated-handler registries.
 *
 * <p>
 * It starts late and stops early ({@link #DEFAULT_PHASE}, after and before a web server):
 * the registries register their handlers, then the client starts receiving, so no message
 * arrives before its handler. Stopping is graceful: the registries refuse new work (new
 * RPC requests are answered with an error, new messages dropped), invocations in progress
 * get up to the grace period to finish (they can still send and receive RPC responses),
 * then the client stops. Stopping runs on its own thread so that other lifecycle beans of
 * the phase stop in parallel.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcClientLifecycle implements SmartLifecycle {

	/** The phase: late start, early stop, like message listener containers. */
	public static final int DEFAULT_PHASE = SmartLifecycle.DEFAULT_PHASE - 100;

	private static final Log logger = LogFactory.getLog(IpcClientLifecycle.class);

	private final IpcClient client;

	private final List<? extends IpcHandlerRegistry<?>> registries;

	private final Duration gracePeriod;

	private final ReentrantLock lock = new ReentrantLock();

	private volatile boolean running;

	/**
	 * Creates a new instance.
	 * @param client the client
	 * @param registries the registries started and stopped with it
	 * @param gracePeriod how long stopping waits for invocations in progress
	 */
	public IpcClientLifecycle(IpcClient client, List<? extends IpcHandlerRegistry<?>> registries,
			Duration gracePeriod) {
		this.client = client;
		this.registries = List.copyOf(registries);
		this.gracePeriod = gracePeriod;
	}

	@Override
	public void start() {
		this.lock.lock();
		try {
			if (this.running) {
				return;
			}
			try {
				this.registries.forEach(IpcHandlerRegistry::start);
				if (!this.client.isRunning()) {
					this.client.start();
				}
			}
			catch (RuntimeException ex) {
				this.registries.forEach(IpcHandlerRegistry::stop);
				throw ex;
			}
			this.running = true;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public void stop() {
		this.lock.lock();
		try {
			if (!this.running) {
				return;
			}
			this.running = false;
			this.registries.forEach(IpcHandlerRegistry::pause);
			drainAndStop();
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public void stop(Runnable callback) {
		this.lock.lock();
		try {
			if (!this.running) {
				callback.run();
				return;
			}
			this.running = false;
			this.registries.forEach(IpcHandlerRegistry::pause);
			if (inFlight() == 0) {
				drainAndStop();
				callback.run();
				return;
			}
			Thread thread = new Thread(() -> {
				try {
					drainAndStop();
				}
				finally {
					callback.run();
				}
			}, "ipc-shutdown");
			thread.setDaemon(true);
			thread.start();
		}
		finally {
			this.lock.unlock();
		}
	}

	private int inFlight() {
		return this.registries.stream().mapToInt(IpcHandlerRegistry::getInFlightCount).sum();
	}

	private void drainAndStop() {
		try {
			long deadline = System.nanoTime() + this.gracePeriod.toNanos();
			for (IpcHandlerRegistry<?> registry : this.registries) {
				Duration remaining = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
				if (!registry.awaitIdle(remaining)) {
					logger.warn("IPC shutdown: " + inFlight() + " handler invocation(s) still running after the grace "
							+ "period of " + this.gracePeriod.toMillis() + " ms (ipc.shutdown.grace-period); stopping "
							+ "the client anyway");
					break;
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			try {
				this.client.stop();
			}
			finally {
				this.registries.forEach(IpcHandlerRegistry::stop);
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return DEFAULT_PHASE;
	}

}
