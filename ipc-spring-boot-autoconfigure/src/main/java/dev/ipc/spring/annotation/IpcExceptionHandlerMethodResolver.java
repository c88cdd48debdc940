package dev.ipc.spring.annotation;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.messaging.handler.invocation.AbstractExceptionHandlerMethodResolver;

import dev.ipc.rpc.RpcHandlerException;

/**
 * Finds the {@link IpcExceptionHandler} methods of one class and picks the closest one
 * for an exception. Checks every method when created: a method without exception type,
 * with a return type other than {@code void}, {@code String} or
 * {@link RpcHandlerException}, or two methods for one exception type fail with an
 * {@link IpcHandlerDefinitionException}.
 */
final class IpcExceptionHandlerMethodResolver extends AbstractExceptionHandlerMethodResolver {

	IpcExceptionHandlerMethodResolver(Class<?> type) {
		super(detect(type));
	}

	static boolean declaresHandlers(Class<?> type) {
		return !MethodIntrospector
			.selectMethods(type,
					(MethodIntrospector.MetadataLookup<IpcExceptionHandler>) (method) -> AnnotatedElementUtils
						.findMergedAnnotation(method, IpcExceptionHandler.class))
			.isEmpty();
	}

	private static Map<Class<? extends Throwable>, Method> detect(Class<?> type) {
		Map<Method, IpcExceptionHandler> methods = MethodIntrospector.selectMethods(type,
				(MethodIntrospector.MetadataLookup<IpcExceptionHandler>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, IpcExceptionHandler.class));
		Map<Class<? extends Throwable>, Method> mapped = new LinkedHashMap<>();
		for (Map.Entry<Method, IpcExceptionHandler> entry : methods.entrySet()) {
			Method method = entry.getKey();
			String where = "@IpcExceptionHandler method " + IpcHandlerEndpoint.describe(method);
			Class<?> returned = method.getReturnType();
			if (returned != void.class && returned != String.class
					&& !RpcHandlerException.class.isAssignableFrom(returned)) {
				throw new IpcHandlerDefinitionException(
						where + " returns " + returned.getSimpleName() + ", which cannot become an error reply",
						"Return String (the message the caller gets), an RpcHandlerException, or void (observe only)");
			}
			List<Class<? extends Throwable>> exceptions;
			if (entry.getValue().value().length > 0) {
				exceptions = Arrays.asList(entry.getValue().value());
			}
			else {
				try {
					exceptions = getExceptionsFromMethodSignature(method);
				}
				catch (IllegalStateException ex) {
					throw new IpcHandlerDefinitionException(where + " names no exception type",
							"Declare the exception as a parameter, or list the types in @IpcExceptionHandler(...)");
				}
			}
			for (Class<? extends Throwable> exception : exceptions) {
				Method existing = mapped.putIfAbsent(exception, method);
				if (existing != null && !existing.equals(method)) {
					throw new IpcHandlerDefinitionException("Two @IpcExceptionHandler methods handle "
							+ exception.getName() + ": " + IpcHandlerEndpoint.describe(existing) + " and "
							+ IpcHandlerEndpoint.describe(method), "Keep one of them for that exception type");
				}
			}
		}
		return mapped;
	}

}
