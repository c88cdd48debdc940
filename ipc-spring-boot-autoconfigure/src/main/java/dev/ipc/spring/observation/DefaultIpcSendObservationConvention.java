package dev.ipc.spring.observation;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.common.KeyValues;

/**
 * The default {@link IpcSendObservationConvention}: observation {@value #NAME},
 * low-cardinality {@code topic} (the first {@value #MAX_TOPICS} distinct topics as they
 * are, later ones {@code other}, as the {@code ipc.messages.sent} counter tags them);
 * high-cardinality {@code ipc.peer}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class DefaultIpcSendObservationConvention implements IpcSendObservationConvention {

	/** The observation name, also the timer's. */
	public static final String NAME = "ipc.send";

	/** Distinct topics tagged before the rest are tagged {@code other}. */
	public static final int MAX_TOPICS = 100;

	private final Set<String> topics = ConcurrentHashMap.newKeySet();

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(IpcSendContext context) {
		return topicTag(context.getTopic()) + " send";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(IpcSendContext context) {
		return KeyValues.of(IpcObservationKeys.TOPIC, topicTag(context.getTopic()));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(IpcSendContext context) {
		return KeyValues.of(IpcObservationKeys.PEER, IpcObservationKeys.peer(context.getDestination()));
	}

	private String topicTag(@org.jspecify.annotations.Nullable String topic) {
		if (topic == null) {
			return "none";
		}
		if (this.topics.contains(topic) || (this.topics.size() < MAX_TOPICS && this.topics.add(topic))) {
			return topic;
		}
		return this.topics.contains(topic) ? topic : "other";
	}

}
