package dev.ipc.spring.annotation;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

/**
 * An annotated handler method failed. Names the handler (id and method) and the topic;
 * the cause is what the method threw.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcHandlerExecutionException extends RuntimeException {

	private final String handlerId;

	private final transient Method method;

	private final @Nullable String topic;

	/**
	 * Creates a new instance.
	 * @param handlerId the handler's id
	 * @param method the handler method
	 * @param topic the topic of the message
	 * @param cause what the method threw
	 */
	public IpcHandlerExecutionException(String handlerId, Method method, @Nullable String topic, Throwable cause) {
		super("IPC handler '" + handlerId + "' (" + IpcHandlerEndpoint.describe(method) + ") failed on topic " + topic
				+ ": " + cause, cause);
		this.handlerId = handlerId;
		this.method = method;
		this.topic = topic;
	}

	/** The handler's id. */
	public String getHandlerId() {
		return this.handlerId;
	}

	/** The handler method. */
	public Method getMethod() {
		return this.method;
	}

	/** The topic of the message. */
	public @Nullable String getTopic() {
		return this.topic;
	}

}
