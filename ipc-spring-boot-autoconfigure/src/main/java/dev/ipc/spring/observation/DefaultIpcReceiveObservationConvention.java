package dev.ipc.spring.observation;

import io.micrometer.common.KeyValues;

/**
 * The default {@link IpcReceiveObservationConvention}: observation {@value #NAME},
 * low-cardinality {@code topic} (the subscribed topic, a local one) and
 * {@code subscriber} (the subscriber method's id); high-cardinality {@code ipc.peer}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class DefaultIpcReceiveObservationConvention implements IpcReceiveObservationConvention {

	/** The observation name, also the timer's. */
	public static final String NAME = "ipc.receive";

	/** A shared instance. */
	public static final DefaultIpcReceiveObservationConvention INSTANCE = new DefaultIpcReceiveObservationConvention();

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(IpcReceiveContext context) {
		return context.getTopic() + " receive";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(IpcReceiveContext context) {
		return KeyValues.of(IpcObservationKeys.TOPIC, context.getTopic(), IpcObservationKeys.SUBSCRIBER,
				context.getSubscriberId());
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(IpcReceiveContext context) {
		return KeyValues.of(IpcObservationKeys.PEER,
				IpcObservationKeys.peer(context.getMessage().source().toEndpoint()));
	}

}
