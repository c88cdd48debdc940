package dev.ipc.model;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Topic names: the reserved RPC topics (spec §1.6) and the resolution of a payload type's
 * declared name from its {@link IpcPayload} annotation.
 */
public final class Topics {

	/**
	 * Topic of RPC request envelopes. Intercepted by the client, never delivered to
	 * subscribers.
	 */
	public static final String RPC_REQUEST = "RpcRequestMessage";

	/**
	 * Topic of RPC response envelopes from older peers. Newer requesters ask for
	 * {@code RpcResponseMessage:<request_id>} (see {@link #responseTopicFor(String)});
	 * responses are delivered to subscribers like any other message.
	 */
	public static final String RPC_RESPONSE = "RpcResponseMessage";

	/**
	 * The clear topic of every fragment of a large message between two Java peers (the
	 * real topic travels encrypted inside the first fragment); reserved.
	 */
	public static final String FRAGMENT = "dev.ipc.fragment";

	/**
	 * Resolved names, stored with each class (a {@link ClassValue}, not a map keyed by
	 * class), so the cache never keeps a class loader alive: a devtools restart or a
	 * closed plugin context leaves nothing behind.
	 */
	private static final ClassValue<String> NAMES = new ClassValue<>() {
		@Override
		protected String computeValue(Class<?> type) {
			return resolveName(type);
		}
	};

	private Topics() {
	}

	/**
	 * The response topic a requester asks for: {@code RpcResponseMessage:<requestId>}.
	 */
	public static String responseTopicFor(String requestId) {
		return RPC_RESPONSE + ":" + requestId;
	}

	/** Whether {@code topic} is one of the topics RPC responses travel on. */
	public static boolean isRpcResponseTopic(@Nullable String topic) {
		return topic != null && topic.startsWith(RPC_RESPONSE)
				&& (topic.length() == RPC_RESPONSE.length() || topic.charAt(RPC_RESPONSE.length()) == ':');
	}

	/**
	 * Whether {@code topic} is reserved for the RPC machinery and so cannot be published
	 * or subscribed to by name.
	 */
	public static boolean isReserved(@Nullable String topic) {
		return RPC_REQUEST.equals(topic) || isRpcResponseTopic(topic) || FRAGMENT.equals(topic);
	}

	/**
	 * The wire name a type declares with {@link IpcPayload}.
	 * @throws IllegalArgumentException if the type has no (or a blank)
	 * {@code @IpcPayload} annotation
	 */
	public static String nameOf(Class<?> type) {
		Objects.requireNonNull(type, "type");
		return NAMES.get(type);
	}

	/**
	 * The topic of a pub/sub payload type.
	 * @throws IllegalArgumentException if the type has no {@code @IpcPayload} annotation
	 * or declares a reserved topic
	 */
	public static String topicOf(Class<?> payloadType) {
		String name = nameOf(payloadType);
		if (isReserved(name)) {
			throw new IllegalArgumentException("Payload type " + payloadType.getName()
					+ " declares the reserved topic '" + name + "'; choose another @IpcPayload name");
		}
		return name;
	}

	private static String resolveName(Class<?> type) {
		IpcPayload annotation = type.getAnnotation(IpcPayload.class);
		if (annotation == null) {
			throw new IllegalArgumentException("Type " + type.getName()
					+ " does not declare its wire name: annotate it with @IpcPayload(\"<name>\")");
		}
		if (annotation.value().isBlank()) {
			throw new IllegalArgumentException("Type " + type.getName() + " has a blank @IpcPayload name");
		}
		return annotation.value();
	}

}
