package dev.ipc.spring.annotation.support;

import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.converter.SmartMessageConverter;
import org.springframework.messaging.support.GenericMessage;

import dev.ipc.codec.PayloadCodec;

/**
 * A {@link SmartMessageConverter} that reads and writes payloads with the client's
 * {@link PayloadCodec}, so any conversion a handler parameter asks for produces exactly
 * the JSON the wire carries. It converts only raw {@code byte[]} payloads; anything else
 * it leaves alone ({@code null}: not convertible), so a generic conversion never
 * reinterprets a decoded payload.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class PayloadCodecMessageConverter implements SmartMessageConverter {

	private final PayloadCodec codec;

	/**
	 * Creates a new instance.
	 * @param codec the client's codec
	 */
	public PayloadCodecMessageConverter(PayloadCodec codec) {
		this.codec = codec;
	}

	@Override
	public @Nullable Object fromMessage(Message<?> message, Class<?> targetClass) {
		return fromMessage(message, targetClass, null);
	}

	/**
	 * Decodes a {@code byte[]} payload as JSON into the target type (the parameter's
	 * generic type when the hint is its {@link MethodParameter}).
	 * @throws dev.ipc.codec.PayloadCodecException if the JSON does not bind
	 */
	@Override
	public @Nullable Object fromMessage(Message<?> message, Class<?> targetClass, @Nullable Object conversionHint) {
		if (!(message.getPayload() instanceof byte[] bytes)) {
			return null;
		}
		return this.codec.decode(bytes, targetType(targetClass, conversionHint));
	}

	private static Type targetType(Class<?> targetClass, @Nullable Object hint) {
		if (!(hint instanceof MethodParameter parameter)) {
			return targetClass;
		}
		MethodParameter nested = parameter.nestedIfOptional();
		if (Message.class.isAssignableFrom(nested.getParameterType())) {
			ResolvableType payload = ResolvableType.forMethodParameter(nested).getGeneric(0);
			return (payload.resolve() != null) ? payload.getType() : targetClass;
		}
		return nested.getNestedGenericParameterType();
	}

	@Override
	public Message<?> toMessage(Object payload, @Nullable MessageHeaders headers) {
		return new GenericMessage<>(this.codec.encode(payload), (headers != null) ? headers : new MessageHeaders(null));
	}

	@Override
	public Message<?> toMessage(Object payload, @Nullable MessageHeaders headers, @Nullable Object conversionHint) {
		return toMessage(payload, headers);
	}

}
