package dev.ipc.spring.annotation;

import java.lang.reflect.Method;
import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;

import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;

/**
 * An annotated method as found and checked by the
 * {@link IpcHandlerAnnotationBeanPostProcessor}, with its attributes resolved; a registry
 * turns it into an endpoint.
 *
 * @param beanName the bean's name
 * @param bean the bean (possibly a proxy)
 * @param method the annotated method as declared on the target class
 * @param id the endpoint id
 * @param handlerMethod the method as the handlers' factory invokes it
 * @param provideIpcArguments whether the factory is the application's own, which may not
 * resolve IPC parameters
 * @param payloadType the payload type, or {@code null} for a subscriber taking only the
 * message
 * @param rawPayload whether the payload is the raw bytes
 * @param validate whether the payload asks to be validated
 * @param concurrency the concurrency attribute, or {@code null} for the default
 * @param autoStartup the autoStartup attribute, or {@code null} for the default
 * @param sourceFilter which sources are accepted
 * @param topic the subscriber's topic, or the RPC request name
 * @param responseType the RPC response type ({@code null} for subscribers)
 * @param errorHandlerBean the subscriber's error handler bean name, or {@code null}
 * @param exceptionHandlers the RPC handler's exception handlers ({@code null} for
 * subscribers)
 */
record HandlerDefinition(String beanName, Object bean, Method method, String id, InvocableHandlerMethod handlerMethod,
		boolean provideIpcArguments, @Nullable Type payloadType, boolean rawPayload, boolean validate,
		@Nullable Integer concurrency, @Nullable Boolean autoStartup, SourceFilter sourceFilter, String topic,
		@Nullable Type responseType, @Nullable String errorHandlerBean,
		@Nullable RpcExceptionHandlers exceptionHandlers) {

	String describe() {
		return IpcHandlerEndpoint.describe(this.method);
	}

	HandlerMethodInvoker newInvoker() {
		return new HandlerMethodInvoker(this.handlerMethod, this.provideIpcArguments);
	}

}
