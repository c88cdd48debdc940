package dev.ipc.spring.annotation.support;

import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.invocation.HandlerMethodArgumentResolver;
import org.springframework.messaging.handler.invocation.MethodArgumentResolutionException;

import dev.ipc.model.DeliveryKind;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcContext;
import dev.ipc.spring.annotation.IpcHeaders;
import dev.ipc.spring.annotation.IpcTopic;

/**
 * Resolves an IPC handler parameter from one of the {@link IpcHeaders}: a {@link Source}
 * parameter from {@link IpcHeaders#SOURCE}, an {@link IncomingMessage} from
 * {@link IpcHeaders#RECEIVED_MESSAGE}, an {@link RpcContext} from
 * {@link IpcHeaders#RPC_CONTEXT}, an {@link IpcTopic @IpcTopic} {@code String} from
 * {@link IpcHeaders#TOPIC}. Fails the invocation with a
 * {@link MethodArgumentResolutionException} when the message does not carry the header
 * (an {@code RpcContext} on a subscriber, which startup already refuses for annotated
 * handlers).
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class HeaderValueArgumentResolver implements HandlerMethodArgumentResolver {

	private final Predicate<MethodParameter> supports;

	private final String header;

	private HeaderValueArgumentResolver(Predicate<MethodParameter> supports, String header) {
		this.supports = supports;
		this.header = header;
	}

	/** Resolves {@link Source} parameters. */
	public static HeaderValueArgumentResolver source() {
		return ofType(Source.class, IpcHeaders.SOURCE);
	}

	/** Resolves {@link IncomingMessage} parameters. */
	public static HeaderValueArgumentResolver incomingMessage() {
		return ofType(IncomingMessage.class, IpcHeaders.RECEIVED_MESSAGE);
	}

	/**
	 * Resolves {@link DeliveryKind} parameters of subscribers: whether the message was
	 * addressed to this process or published to the topic's subscribers.
	 */
	public static HeaderValueArgumentResolver deliveryKind() {
		return ofType(DeliveryKind.class, IpcHeaders.DELIVERY_KIND);
	}

	/** Resolves {@link RpcContext} parameters. */
	public static HeaderValueArgumentResolver rpcContext() {
		return ofType(RpcContext.class, IpcHeaders.RPC_CONTEXT);
	}

	/** Resolves {@link IpcTopic @IpcTopic} parameters. */
	public static HeaderValueArgumentResolver topic() {
		return new HeaderValueArgumentResolver((parameter) -> parameter.hasParameterAnnotation(IpcTopic.class),
				IpcHeaders.TOPIC);
	}

	private static HeaderValueArgumentResolver ofType(Class<?> type, String header) {
		return new HeaderValueArgumentResolver((parameter) -> parameter.getParameterType() == type, header);
	}

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return this.supports.test(parameter);
	}

	@Override
	public @Nullable Object resolveArgument(MethodParameter parameter, Message<?> message) {
		Object value = message.getHeaders().get(this.header);
		if (value == null && !IpcHeaders.TOPIC.equals(this.header)) {
			throw new MethodArgumentResolutionException(message, parameter,
					"the message carries no " + this.header + " header");
		}
		return value;
	}

}
