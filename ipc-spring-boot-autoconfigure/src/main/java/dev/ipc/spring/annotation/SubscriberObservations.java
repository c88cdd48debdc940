package dev.ipc.spring.annotation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import dev.ipc.model.IncomingMessage;
import dev.ipc.spring.observation.DefaultIpcReceiveObservationConvention;
import dev.ipc.spring.observation.IpcReceiveContext;
import dev.ipc.spring.observation.IpcReceiveObservationConvention;

/**
 * Creates the {@code ipc.receive} observation of each message an {@code @IpcSubscriber}
 * method handles.
 */
final class SubscriberObservations {

	private volatile ObservationRegistry registry = ObservationRegistry.NOOP;

	private volatile @Nullable IpcReceiveObservationConvention convention;

	void configure(ObservationRegistry registry, @Nullable IpcReceiveObservationConvention convention) {
		this.registry = registry;
		this.convention = convention;
	}

	/**
	 * A started observation of handling {@code message} (a no-op one without an
	 * observation registry).
	 */
	Observation start(IncomingMessage message, String subscriberId, String topic) {
		ObservationRegistry current = this.registry;
		if (current.isNoop()) {
			return Observation.NOOP;
		}
		IpcReceiveContext context = new IpcReceiveContext(message, subscriberId, topic);
		return Observation
			.createNotStarted(this.convention, DefaultIpcReceiveObservationConvention.INSTANCE, () -> context, current)
			.start();
	}

}
