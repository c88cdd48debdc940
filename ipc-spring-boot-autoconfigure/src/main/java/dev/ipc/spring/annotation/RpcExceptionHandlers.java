package dev.ipc.spring.annotation;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.support.AopUtils;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;

import dev.ipc.rpc.RpcHandlerException;

/**
 * Decides what the caller of a failed {@link IpcRpcHandler} method learns: the
 * {@link IpcExceptionHandler} methods of the handler's class, then of the
 * {@link IpcAdvice} beans in order, then the default (an {@link RpcHandlerException} as
 * is, a validation failure as {@code Invalid request: ...}, anything else left to the
 * client, which sends only the exception's simple name). Immutable; one per handler bean.
 */
final class RpcExceptionHandlers {

	private static final Log logger = LogFactory.getLog(RpcExceptionHandlers.class);

	/** A bean with exception handler methods. */
	record Target(Object bean, IpcExceptionHandlerMethodResolver resolver) {
	}

	private final List<Target> targets;

	private final MessageHandlerMethodFactory factory;

	private final boolean provideIpcArguments;

	private final Map<Method, InvocableHandlerMethod> invocables;

	private RpcExceptionHandlers(List<Target> targets, MessageHandlerMethodFactory factory, boolean provideIpcArguments,
			Map<Method, InvocableHandlerMethod> invocables) {
		this.targets = List.copyOf(targets);
		this.factory = factory;
		this.provideIpcArguments = provideIpcArguments;
		this.invocables = invocables;
	}

	/**
	 * The advice of the application.
	 * @param adviceBeans the {@link IpcAdvice} beans, in order, with their target classes
	 * @throws IpcHandlerDefinitionException if an exception handler method cannot work
	 */
	static RpcExceptionHandlers of(Map<Object, Class<?>> adviceBeans, MessageHandlerMethodFactory factory,
			boolean provideIpcArguments) {
		List<Target> targets = new ArrayList<>();
		adviceBeans.forEach((bean, type) -> targets.add(new Target(bean, new IpcExceptionHandlerMethodResolver(type))));
		return new RpcExceptionHandlers(targets, factory, provideIpcArguments, new ConcurrentHashMap<>());
	}

	/** These handlers preceded by those the handler bean declares itself. */
	RpcExceptionHandlers forHandlerBean(Object bean, Class<?> targetClass) {
		if (!IpcExceptionHandlerMethodResolver.declaresHandlers(targetClass)) {
			return this;
		}
		List<Target> all = new ArrayList<>();
		all.add(new Target(bean, new IpcExceptionHandlerMethodResolver(targetClass)));
		all.addAll(this.targets);
		return new RpcExceptionHandlers(all, this.factory, this.provideIpcArguments, this.invocables);
	}

	/**
	 * What to fail the request with.
	 * @param failure what the handler (or its arguments' resolution) threw
	 * @param message the request message
	 * @param ipcArguments the {@code Source} and {@code RpcContext}, for a factory that
	 * does not resolve them
	 * @return an {@link RpcHandlerException} carrying the caller's message, or the
	 * failure for the default reply
	 */
	Throwable map(Throwable failure, Message<?> message, Object... ipcArguments) {
		for (Target target : this.targets) {
			Method method = target.resolver().resolveMethod(failure);
			if (method != null) {
				return invoke(target.bean(), method, failure, message, ipcArguments);
			}
		}
		return byDefault(failure);
	}

	private Throwable invoke(Object bean, Method method, Throwable failure, Message<?> message, Object[] ipcArguments) {
		InvocableHandlerMethod handler = this.invocables.computeIfAbsent(method, (key) -> this.factory
			.createInvocableHandlerMethod(bean, AopUtils.selectInvocableMethod(key, bean.getClass())));
		List<Object> provided = new ArrayList<>();
		for (Throwable cause = failure; cause != null && provided.size() < 8; cause = cause.getCause()) {
			provided.add(cause);
		}
		if (this.provideIpcArguments) {
			provided.addAll(List.of(ipcArguments));
		}
		Object result;
		try {
			result = handler.invoke(message, provided.toArray());
		}
		catch (RpcHandlerException ex) {
			return ex;
		}
		catch (Exception ex) {
			logger.warn("@IpcExceptionHandler method " + IpcHandlerEndpoint.describe(method) + " failed handling "
					+ failure.getClass().getName() + "; the default error reply goes out", ex);
			return byDefault(failure);
		}
		if (result instanceof String text) {
			return new RpcHandlerException(text, failure);
		}
		if (result instanceof RpcHandlerException exception) {
			return exception;
		}
		return byDefault(failure);
	}

	private static Throwable byDefault(Throwable failure) {
		if (failure instanceof IpcPayloadValidationException invalid) {
			return new RpcHandlerException("Invalid request: " + invalid.getSummary(), invalid);
		}
		return failure;
	}

}
