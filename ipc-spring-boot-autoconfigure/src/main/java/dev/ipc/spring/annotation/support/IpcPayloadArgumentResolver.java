package dev.ipc.spring.annotation.support;

import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.messaging.converter.MessageConverter;
import org.springframework.messaging.handler.annotation.support.PayloadMethodArgumentResolver;
import org.springframework.validation.Validator;

/**
 * The payload resolver of IPC handlers: spring-messaging's
 * {@link PayloadMethodArgumentResolver} ({@code @Payload} optional,
 * {@code @Valid}/{@code @Validated} validated when there is a validator), except that
 * only a JSON {@code null} payload counts as empty: raw {@code byte[]} and {@code String}
 * payloads are delivered even when empty. A {@code null} payload fails the invocation
 * unless the parameter is {@code @Payload(required = false)} or an {@code Optional}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcPayloadArgumentResolver extends PayloadMethodArgumentResolver {

	/**
	 * Creates a new instance.
	 * @param converter converts payloads that are not of the parameter's type
	 * @param validator validates {@code @Valid} payloads, or {@code null}
	 */
	public IpcPayloadArgumentResolver(MessageConverter converter, @Nullable Validator validator) {
		super(converter, validator);
	}

	@Override
	protected boolean isEmptyPayload(@Nullable Object payload) {
		return payload == null || (payload instanceof Optional<?> optional && optional.isEmpty());
	}

}
