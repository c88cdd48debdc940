package dev.ipc.spring.annotation;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.BeanExpressionContext;
import org.springframework.beans.factory.config.BeanExpressionResolver;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.StringUtils;

/**
 * Resolves the string attributes of {@link IpcSubscriber} and {@link IpcRpcHandler}
 * ({@code ${...}} placeholders and {@code #{...}} expressions) and checks their values;
 * an unusable value fails with an {@link IpcHandlerDefinitionException} naming the method
 * and the attribute.
 */
final class HandlerAttributes {

	private final @Nullable ConfigurableListableBeanFactory beanFactory;

	private final @Nullable BeanExpressionContext expressionContext;

	HandlerAttributes(@Nullable ConfigurableListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
		this.expressionContext = (beanFactory != null) ? new BeanExpressionContext(beanFactory, null) : null;
	}

	String id(String value, Class<?> targetClass, Method method, String where) {
		String id = string(value, where, "id");
		return id.isEmpty() ? targetClass.getName() + "." + method.getName() : id;
	}

	@Nullable Integer concurrency(String value, String where) {
		String resolved = string(value, where, "concurrency");
		if (resolved.isEmpty()) {
			return null;
		}
		try {
			int concurrency = Integer.parseInt(resolved.trim());
			if (concurrency >= 1) {
				return concurrency;
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new IpcHandlerDefinitionException(where + ": concurrency '" + resolved + "' is not a positive integer");
	}

	@Nullable Boolean autoStartup(String value, String where) {
		String resolved = string(value, where, "autoStartup").trim();
		if (resolved.isEmpty()) {
			return null;
		}
		if ("true".equalsIgnoreCase(resolved) || "false".equalsIgnoreCase(resolved)) {
			return Boolean.valueOf(resolved);
		}
		throw new IpcHandlerDefinitionException(where + ": autoStartup '" + resolved + "' is neither true nor false");
	}

	SourceFilter sourceFilter(String[] sources, String[] users, String where) {
		return SourceFilter.of(list(sources, where, "sources"), list(users, where, "users"));
	}

	private List<String> list(String[] values, String where, String attribute) {
		List<String> result = new ArrayList<>();
		for (String value : values) {
			Object resolved = resolve(value);
			if (resolved instanceof String[] array) {
				result.addAll(Arrays.asList(array));
			}
			else if (resolved instanceof Collection<?> collection) {
				collection.forEach((element) -> result.add(String.valueOf(element)));
			}
			else if (resolved != null) {
				String text = resolved.toString();
				boolean dynamic = value.contains("${") || value.contains("#{");
				result
					.addAll(dynamic ? Arrays.asList(StringUtils.commaDelimitedListToStringArray(text)) : List.of(text));
			}
		}
		List<String> trimmed = result.stream().map(String::trim).filter((s) -> !s.isEmpty()).toList();
		if (values.length > 0 && trimmed.isEmpty()) {
			throw new IpcHandlerDefinitionException(where + ": " + attribute + " " + Arrays.toString(values)
					+ " resolved to nothing, which would accept every source; remove the attribute to accept all");
		}
		return trimmed;
	}

	String string(String value, String where, String attribute) {
		if (value.isEmpty()) {
			return value;
		}
		Object resolved = resolve(value);
		if (resolved == null) {
			return "";
		}
		if (!(resolved instanceof String) && !(resolved instanceof Number) && !(resolved instanceof Boolean)) {
			throw new IpcHandlerDefinitionException(where + ": " + attribute + " '" + value + "' resolved to a "
					+ resolved.getClass().getName() + ", not a String");
		}
		return resolved.toString();
	}

	private @Nullable Object resolve(String value) {
		ConfigurableListableBeanFactory factory = this.beanFactory;
		if (factory == null) {
			return value;
		}
		String resolved = factory.resolveEmbeddedValue(value);
		BeanExpressionResolver resolver = factory.getBeanExpressionResolver();
		if (resolver == null || resolved == null) {
			return resolved;
		}
		return resolver.evaluate(resolved, this.expressionContext);
	}

	static @Nullable String emptyToNull(String value) {
		return value.isEmpty() ? null : value;
	}

}
