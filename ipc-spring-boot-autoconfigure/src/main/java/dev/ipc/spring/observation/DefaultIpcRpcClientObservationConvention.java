package dev.ipc.spring.observation;

import io.micrometer.common.KeyValues;

import dev.ipc.event.RpcOutcome;

/**
 * The default {@link IpcRpcClientObservationConvention}: observation {@value #NAME},
 * low-cardinality {@code request} (the request type name) and, once it ended,
 * {@code outcome} (an {@link RpcOutcome}), the tags of the {@code ipc.rpc.client} timer;
 * high-cardinality {@code ipc.request.id} and {@code ipc.peer}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class DefaultIpcRpcClientObservationConvention implements IpcRpcClientObservationConvention {

	/** The observation name, also the timer's. */
	public static final String NAME = "ipc.rpc.client";

	/** A shared instance. */
	public static final DefaultIpcRpcClientObservationConvention INSTANCE = new DefaultIpcRpcClientObservationConvention();

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(IpcRpcClientContext context) {
		return context.getRequestType() + " send";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(IpcRpcClientContext context) {
		KeyValues values = KeyValues.of(IpcObservationKeys.REQUEST, context.getRequestType());
		RpcOutcome outcome = context.getOutcome();
		return (outcome != null) ? values.and(IpcObservationKeys.OUTCOME, outcome.name()) : values;
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(IpcRpcClientContext context) {
		return KeyValues.of(IpcObservationKeys.REQUEST_ID, context.getRequestId(), IpcObservationKeys.PEER,
				IpcObservationKeys.peer(context.getDestination()));
	}

}
