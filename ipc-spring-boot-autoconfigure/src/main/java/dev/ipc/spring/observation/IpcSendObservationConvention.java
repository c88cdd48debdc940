package dev.ipc.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * The convention of {@code ipc.send} observations (application messages sent). Declare a
 * bean of this type to replace {@link DefaultIpcSendObservationConvention}, or extend
 * that class to add key values. A convention must keep low-cardinality values bounded:
 * they become meter tags.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public interface IpcSendObservationConvention extends ObservationConvention<IpcSendContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof IpcSendContext;
	}

}
