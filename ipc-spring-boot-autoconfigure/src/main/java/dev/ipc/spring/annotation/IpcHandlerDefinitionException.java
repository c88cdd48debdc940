package dev.ipc.spring.annotation;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanInitializationException;

/**
 * An annotated IPC handler method cannot work: a bad signature, a payload type that
 * cannot be serialized, a reserved topic, a duplicate RPC request type, an invalid
 * {@link IpcExceptionHandler}. The message names the method (both methods for a
 * duplicate) and what to change. Thrown at startup, or when a late bean is created;
 * startup reports it as a failure analysis (description and action) instead of a stack
 * trace.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcHandlerDefinitionException extends BeanInitializationException {

	private final String description;

	private final @Nullable String action;

	/**
	 * Creates a new instance.
	 * @param message what is wrong, naming the method, and what to change
	 */
	public IpcHandlerDefinitionException(String message) {
		super(message);
		this.description = message;
		this.action = null;
	}

	/**
	 * Creates a new instance.
	 * @param message what is wrong, naming the method, and what to change
	 * @param cause the underlying failure
	 */
	public IpcHandlerDefinitionException(String message, Throwable cause) {
		super(message, cause);
		this.description = message;
		this.action = null;
	}

	/**
	 * Creates a new instance whose message is the description followed by the action.
	 * @param description what is wrong, naming the method
	 * @param action what to change
	 */
	public IpcHandlerDefinitionException(String description, String action) {
		super(description + ". " + action);
		this.description = description;
		this.action = action;
	}

	/**
	 * What is wrong, naming the method (the whole message when no separate action was
	 * given).
	 */
	public String getDescription() {
		return this.description;
	}

	/** What to change, when given apart from the description. */
	public @Nullable String getAction() {
		return this.action;
	}

}
