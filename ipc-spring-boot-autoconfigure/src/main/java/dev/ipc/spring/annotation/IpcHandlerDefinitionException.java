package dev.ipc.spring.annotation;

import org.springframework.beans.factory.BeanInitializationException;

/**
 * An annotated IPC handler method cannot work: a bad signature, a payload type that cannot be serialized, a reserved
 * topic, a duplicate RPC request type. The message names the method (both methods for a duplicate) and what to
 * change. Thrown at startup, or when a late bean is created.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcHandlerDefinitionException extends BeanInitializationException {

	/**
	 * Creates a new instance.
	 * @param message what is wrong, naming the method
	 */
	public IpcHandlerDefinitionException(String message) {
		super(message);
	}

	/**
	 * Creates a new instance.
	 * @param message what is wrong, naming the method
	 * @param cause the underlying failure
	 */
	public IpcHandlerDefinitionException(String message, Throwable cause) {
		super(message, cause);
	}

}
