package dev.ipc.spring.annotation;

import java.lang.reflect.Method;
import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;

/**
 * An annotated method as found and checked by the {@link IpcHandlerAnnotationBeanPostProcessor}, with its
 * attributes resolved; a registry turns it into an endpoint.
 *
 * @param beanName the bean's name
 * @param bean the bean (possibly a proxy)
 * @param method the annotated method as declared on the target class
 * @param invocable the method to invoke on {@code bean}
 * @param id the endpoint id
 * @param kinds what each parameter receives
 * @param payloadType the payload type, or {@code null} for a subscriber taking only the message
 * @param rawPayload whether the payload is the raw bytes
 * @param validate whether to validate the payload
 * @param validationHints validation groups
 * @param concurrency the concurrency attribute, or {@code null} for the default
 * @param autoStartup the autoStartup attribute, or {@code null} for the default
 * @param sourceFilter which sources are accepted
 * @param topic the subscriber's topic, or the RPC request name
 * @param responseType the RPC response type ({@code null} for subscribers)
 * @param errorHandlerBean the subscriber's error handler bean name, or {@code null}
 */
record HandlerDefinition(String beanName, Object bean, Method method, Method invocable, String id,
		HandlerMethodInvoker.Kind[] kinds, @Nullable Type payloadType, boolean rawPayload, boolean validate,
		Object[] validationHints, @Nullable Integer concurrency, @Nullable Boolean autoStartup,
		SourceFilter sourceFilter, String topic, @Nullable Type responseType, @Nullable String errorHandlerBean) {

	String describe() {
		return IpcHandlerEndpoint.describe(this.method);
	}

	HandlerMethodInvoker newInvoker() {
		return new HandlerMethodInvoker(this.bean, this.invocable, this.kinds, this.validate, this.validationHints);
	}

}
