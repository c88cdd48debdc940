package dev.ipc.client;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs user code (handlers, callbacks, RPC completions) on the handler executor, or
 * inline in direct mode. A task the executor rejects (it is shutting down) runs inline
 * rather than being lost.
 */
final class Dispatcher implements Executor {

	private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

	private final Executor executor;

	private final boolean direct;

	Dispatcher(Executor executor, boolean direct) {
		this.executor = executor;
		this.direct = direct;
	}

	@Override
	public void execute(Runnable task) {
		if (direct) {
			runSafely(task);
			return;
		}
		try {
			executor.execute(() -> runSafely(task));
		}
		catch (RejectedExecutionException ex) {
			runSafely(task);
		}
	}

	private static void runSafely(Runnable task) {
		try {
			task.run();
		}
		catch (RuntimeException | Error ex) {
			log.error("Unexpected failure in an IPC task", ex);
		}
	}

}
