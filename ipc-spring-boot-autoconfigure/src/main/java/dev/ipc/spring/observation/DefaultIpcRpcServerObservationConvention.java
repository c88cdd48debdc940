package dev.ipc.spring.observation;

import io.micrometer.common.KeyValues;

import dev.ipc.event.RpcOutcome;

/**
 * The default {@link IpcRpcServerObservationConvention}: observation {@value #NAME},
 * low-cardinality {@code request} (a local handler's request type name, {@code unknown}
 * otherwise) and, once it ended, {@code outcome} (an {@link RpcOutcome}), the tags of the
 * {@code ipc.rpc.server} timer; high-cardinality {@code ipc.request.id} and
 * {@code ipc.peer}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class DefaultIpcRpcServerObservationConvention implements IpcRpcServerObservationConvention {

	/** The observation name, also the timer's. */
	public static final String NAME = "ipc.rpc.server";

	/** A shared instance. */
	public static final DefaultIpcRpcServerObservationConvention INSTANCE = new DefaultIpcRpcServerObservationConvention();

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(IpcRpcServerContext context) {
		return context.getRequestType() + " process";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(IpcRpcServerContext context) {
		KeyValues values = KeyValues.of(IpcObservationKeys.REQUEST, context.getRequestType());
		RpcOutcome outcome = context.getOutcome();
		return (outcome != null) ? values.and(IpcObservationKeys.OUTCOME, outcome.name()) : values;
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(IpcRpcServerContext context) {
		return KeyValues.of(IpcObservationKeys.REQUEST_ID, context.getRequestId(), IpcObservationKeys.PEER,
				IpcObservationKeys.peer(context.getSource().toEndpoint()));
	}

}
