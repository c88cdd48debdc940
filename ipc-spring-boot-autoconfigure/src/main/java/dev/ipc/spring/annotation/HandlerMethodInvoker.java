package dev.ipc.spring.annotation;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ReflectionUtils;
import org.springframework.validation.BeanPropertyBindingResult;
import org.springframework.validation.SmartValidator;
import org.springframework.validation.Validator;

import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcContext;

/** Calls one handler method with arguments resolved from what the client delivered. */
final class HandlerMethodInvoker {

	/** What each parameter receives. */
	enum Kind {

		PAYLOAD, SOURCE, MESSAGE, TOPIC, RPC_CONTEXT

	}

	private final Object bean;

	private final Method method;

	private final Kind[] kinds;

	private final boolean validate;

	private final Object[] validationHints;

	private volatile @Nullable Validator validator;

	HandlerMethodInvoker(Object bean, Method method, Kind[] kinds, boolean validate, Object[] validationHints) {
		this.bean = bean;
		this.method = method;
		this.kinds = kinds;
		this.validate = validate;
		this.validationHints = validationHints;
		ReflectionUtils.makeAccessible(method);
	}

	boolean isValidating() {
		return this.validate;
	}

	void setValidator(@Nullable Validator validator) {
		this.validator = validator;
	}

	/**
	 * Invokes the method; an exception it throws is rethrown as is.
	 * @throws IpcPayloadValidationException if the payload is invalid
	 */
	@Nullable
	Object invoke(@Nullable Object payload, Source source, @Nullable IncomingMessage message, @Nullable String topic,
			@Nullable RpcContext context) throws Exception {
		if (this.validate && payload != null) {
			validate(payload);
		}
		Object[] args = new Object[this.kinds.length];
		for (int i = 0; i < args.length; i++) {
			args[i] = switch (this.kinds[i]) {
				case PAYLOAD -> payload;
				case SOURCE -> source;
				case MESSAGE -> message;
				case TOPIC -> topic;
				case RPC_CONTEXT -> context;
			};
		}
		try {
			return this.method.invoke(this.bean, args);
		}
		catch (InvocationTargetException ex) {
			Throwable target = ex.getTargetException();
			if (target instanceof Exception exception) {
				throw exception;
			}
			if (target instanceof Error error) {
				throw error;
			}
			throw ex;
		}
	}

	private void validate(Object payload) {
		Validator current = this.validator;
		if (current == null) {
			return;
		}
		BeanPropertyBindingResult errors = new BeanPropertyBindingResult(payload, "payload");
		if (current instanceof SmartValidator smart && this.validationHints.length > 0) {
			smart.validate(payload, errors, this.validationHints);
		}
		else {
			current.validate(payload, errors);
		}
		if (errors.hasErrors()) {
			throw new IpcPayloadValidationException(errors);
		}
	}

}
