package dev.ipc.spring.annotation;

import java.util.concurrent.Callable;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * Carries the observation current when an RPC arrives (the client's
 * {@code ipc.rpc.server}) to the thread that runs its handler when a concurrency limit
 * queued it, so what the handler observes stays a child of it.
 */
final class CurrentObservation {

	private volatile ObservationRegistry registry = ObservationRegistry.NOOP;

	void configure(ObservationRegistry registry) {
		this.registry = registry;
	}

	/**
	 * {@code task}, run in the scope of the observation current now (as it is when there
	 * is none).
	 */
	<V> Callable<V> propagate(Callable<V> task) {
		Observation current = this.registry.getCurrentObservation();
		if (current == null) {
			return task;
		}
		return () -> {
			try (Observation.Scope scope = current.openScope()) {
				return task.call();
			}
		};
	}

}
