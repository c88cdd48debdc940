package dev.ipc.spring.annotation;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.validation.annotation.ValidationAnnotationUtils;

import dev.ipc.model.DeliveryKind;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcContext;
import dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory;

/**
 * What the parameters of a handler method are, as the handlers' factory will resolve
 * them: which one is the payload and of what type. With our own factory every parameter
 * must be resolvable; with an application's factory, whose resolvers are unknown, a
 * parameter that is neither an IPC nor a messaging one is taken for the payload unless
 * another one is annotated {@code @Payload}.
 *
 * @param handlerMethod the method as the factory invokes it
 * @param provideIpcArguments whether the factory is the application's
 * @param payloadType the payload type ({@code Optional} and {@code Message} unwrapped),
 * or {@code null}
 * @param rawPayload whether the payload is the raw {@code byte[]}
 * @param validate whether the payload is annotated for validation
 * @param takesMessage whether the method takes the {@code IncomingMessage}
 */
record Signature(InvocableHandlerMethod handlerMethod, boolean provideIpcArguments, @Nullable Type payloadType,
		boolean rawPayload, boolean validate, boolean takesMessage) {

	static Signature of(String where, IpcHandlerAnnotationBeanPostProcessor.Candidate candidate,
			MessageHandlerMethodFactory factory, boolean subscriber) {
		Method method = candidate.method();
		Method invocable;
		try {
			invocable = AopUtils.selectInvocableMethod(method, candidate.bean().getClass());
		}
		catch (IllegalStateException ex) {
			String detail = String.valueOf(ex.getMessage());
			throw new IpcHandlerDefinitionException(
					where + " cannot be invoked on its bean, which is a proxy: "
							+ (detail.endsWith(".") ? detail.substring(0, detail.length() - 1) : detail),
					"Declare the method on an interface the proxy implements, make it non-private, or proxy the "
							+ "target class");
		}
		InvocableHandlerMethod handlerMethod = factory.createInvocableHandlerMethod(candidate.bean(), invocable);
		IpcMessageHandlerMethodFactory known = (factory instanceof IpcMessageHandlerMethodFactory ours
				&& ours.knowsItsResolvers()) ? ours : null;
		MethodParameter[] parameters = handlerMethod.getMethodParameters();
		List<Integer> explicit = new ArrayList<>();
		List<Integer> implicit = new ArrayList<>();
		boolean takesMessage = false;
		for (int i = 0; i < parameters.length; i++) {
			MethodParameter parameter = parameters[i];
			Class<?> type = parameter.getParameterType();
			if (parameter.hasParameterAnnotation(IpcTopic.class)) {
				if (!subscriber) {
					throw new IpcHandlerDefinitionException(where + ": @IpcTopic is only available to @IpcSubscriber "
							+ "methods (requests always travel on the RPC topic)");
				}
				if (type != String.class) {
					throw new IpcHandlerDefinitionException(
							where + ": its @IpcTopic parameter must be a String, not " + type.getSimpleName());
				}
			}
			else if (type == RpcContext.class && subscriber) {
				throw new IpcHandlerDefinitionException(where + ": RpcContext parameters are only available to "
						+ "@IpcRpcHandler methods; take the Source instead");
			}
			else if (type == IncomingMessage.class && !subscriber) {
				throw new IpcHandlerDefinitionException(where + ": IncomingMessage parameters are only available to "
						+ "@IpcSubscriber methods; take the RpcContext instead");
			}
			else if (type == IncomingMessage.class) {
				takesMessage = true;
			}
			else if (type == DeliveryKind.class && !subscriber) {
				throw new IpcHandlerDefinitionException(where + ": DeliveryKind parameters are only available to "
						+ "@IpcSubscriber methods (a request is always addressed)");
			}
			else if (type == Source.class || type == RpcContext.class || type == DeliveryKind.class) {
				// resolved from the headers, or handed over directly
			}
			else if (Message.class.isAssignableFrom(type) || parameter.hasParameterAnnotation(Payload.class)) {
				explicit.add(i);
			}
			else if ((known != null) ? known.resolvesBesidesPayload(parameter) : isMessagingParameter(parameter)) {
				// a header, or a custom resolver's
			}
			else {
				implicit.add(i);
			}
		}
		int payload = payloadIndex(where, parameters, explicit, implicit, known != null);
		if (payload < 0) {
			return new Signature(handlerMethod, known == null, null, false, false, takesMessage);
		}
		ResolvableType payloadType = ResolvableType.forMethodParameter(method, payload, candidate.targetClass());
		if (payloadType.toClass() == Optional.class || Message.class.isAssignableFrom(payloadType.toClass())) {
			payloadType = payloadType.getGeneric(0);
			if (payloadType.resolve() == null || payloadType.toClass() == Object.class) {
				throw new IpcHandlerDefinitionException(
						where + ": the payload type of its parameter " + parameters[payload].getGenericParameterType()
								+ " is unknown",
						"Declare the payload type, for example Message<MyEvent>, or Message<byte[]> for the raw payload");
			}
		}
		boolean validate = false;
		for (Annotation annotation : parameters[payload].getParameterAnnotations()) {
			validate |= ValidationAnnotationUtils.determineValidationHints(annotation) != null;
		}
		return new Signature(handlerMethod, known == null, payloadType.getType(), payloadType.toClass() == byte[].class,
				validate, takesMessage);
	}

	private static int payloadIndex(String where, MethodParameter[] parameters, List<Integer> explicit,
			List<Integer> implicit, boolean knownResolvers) {
		if (explicit.size() > 1) {
			throw twoPayloads(where, parameters, explicit.get(0), explicit.get(1));
		}
		if (explicit.size() == 1) {
			if (knownResolvers && !implicit.isEmpty()) {
				MethodParameter unresolved = parameters[implicit.get(0)];
				throw new IpcHandlerDefinitionException(
						where + ": nothing resolves its parameter " + (unresolved.getParameterIndex() + 1) + " ("
								+ unresolved.getParameterType().getSimpleName() + "), and "
								+ parameters[explicit.get(0)].getParameterType().getSimpleName()
								+ " is already the payload",
						"Annotate it with @Header, or register an argument resolver for it with an "
								+ "IpcHandlerConfigurer bean");
			}
			return explicit.get(0);
		}
		if (implicit.size() > 1) {
			throw twoPayloads(where, parameters, implicit.get(0), implicit.get(1));
		}
		return implicit.isEmpty() ? -1 : implicit.get(0);
	}

	private static IpcHandlerDefinitionException twoPayloads(String where, MethodParameter[] parameters, int first,
			int second) {
		return new IpcHandlerDefinitionException(
				where + " has more than one payload parameter (" + parameters[first].getParameterType().getSimpleName()
						+ " and " + parameters[second].getParameterType().getSimpleName() + ")",
				"Take one payload (@Payload marks it), plus optionally Source, IncomingMessage, DeliveryKind, @IpcTopic String, "
						+ "RpcContext, @Header values or parameters an IpcHandlerConfigurer's resolvers support");
	}

	/**
	 * Whether any DefaultMessageHandlerMethodFactory resolves the parameter without the
	 * payload.
	 */
	private static boolean isMessagingParameter(MethodParameter parameter) {
		Class<?> type = parameter.getParameterType();
		return parameter.hasParameterAnnotation(Header.class) || parameter.hasParameterAnnotation(Headers.class)
				|| type == MessageHeaders.class || MessageHeaderAccessor.class.isAssignableFrom(type);
	}

}
