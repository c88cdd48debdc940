package dev.ipc.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * The convention of {@code ipc.rpc.client} observations (RPCs this client sends). Declare
 * a bean of this type to replace {@link DefaultIpcRpcClientObservationConvention}, or
 * extend that class to add key values. A convention must keep low-cardinality values
 * bounded: they become meter tags.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public interface IpcRpcClientObservationConvention extends ObservationConvention<IpcRpcClientContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof IpcRpcClientContext;
	}

}
