package dev.ipc.spring.annotation;

import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.support.MethodArgumentNotValidException;
import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;
import org.springframework.validation.BindingResult;

/**
 * Calls one handler method through spring-messaging's {@link InvocableHandlerMethod},
 * with arguments resolved from the message by the handlers' factory.
 */
final class HandlerMethodInvoker {

	private final InvocableHandlerMethod method;

	private final boolean provideIpcArguments;

	/**
	 * @param method the method, as created by the handlers' factory
	 * @param provideIpcArguments whether to hand the {@code Source},
	 * {@code IncomingMessage} and {@code RpcContext} to the method directly, for a
	 * factory of the application's that may not resolve them
	 */
	HandlerMethodInvoker(InvocableHandlerMethod method, boolean provideIpcArguments) {
		this.method = method;
		this.provideIpcArguments = provideIpcArguments;
	}

	/**
	 * Invokes the method; an exception it throws is rethrown as is.
	 * @param message the message to resolve arguments from
	 * @param ipcArguments the values of the IPC parameters, used only for a factory that
	 * may not resolve them
	 * @throws IpcPayloadValidationException if the payload is invalid (or a required
	 * payload is {@code null})
	 */
	@Nullable Object invoke(Message<?> message, Object... ipcArguments) throws Exception {
		try {
			return this.provideIpcArguments ? this.method.invoke(message, ipcArguments) : this.method.invoke(message);
		}
		catch (MethodArgumentNotValidException ex) {
			BindingResult errors = ex.getBindingResult();
			if (errors != null) {
				throw new IpcPayloadValidationException(errors, ex);
			}
			throw ex;
		}
	}

}
