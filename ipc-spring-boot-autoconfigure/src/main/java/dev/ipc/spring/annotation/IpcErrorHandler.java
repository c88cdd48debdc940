package dev.ipc.spring.annotation;

import dev.ipc.model.IncomingMessage;

/**
 * Handles an exception thrown by an {@link IpcSubscriber} method (or a stage it returned
 * that completed exceptionally). Declare one as a bean to replace the default, which logs
 * the failure with its topic; pick one per subscriber with
 * {@link IpcSubscriber#errorHandler()}. Every failure is also counted
 * ({@code ipc.subscriber.failures}) whatever the handler does.
 *
 * <p>
 * Delivery goes on with the next message. A handler that throws is logged.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@FunctionalInterface
public interface IpcErrorHandler {

	/**
	 * Handles one failure.
	 * @param message the message being handled
	 * @param exception the failure, naming the subscriber;
	 * {@link IpcHandlerExecutionException#getCause()} is what the method threw
	 * @throws Exception to have the failure logged
	 */
	void handleError(IncomingMessage message, IpcHandlerExecutionException exception) throws Exception;

}
