package dev.ipc.spring.annotation;

import java.util.List;

import org.springframework.messaging.handler.invocation.HandlerMethodArgumentResolver;

/**
 * Customizes how annotated IPC handlers are invoked, as {@code KafkaListenerConfigurer}
 * or {@code RabbitListenerConfigurer} do: every bean of this type is asked, in
 * {@link org.springframework.core.annotation.Order @Order}, when the handlers' factory
 * ({@link dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory}) is built. To
 * replace the factory as a whole, define a {@code MessageHandlerMethodFactory} bean named
 * {@value dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory#BEAN_NAME};
 * the configurers are then not used.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public interface IpcHandlerConfigurer {

	/**
	 * Adds resolvers for parameters of your own types. They are consulted after the
	 * built-in resolvers ({@code @Header}, {@code @Headers}, {@code Source},
	 * {@code IncomingMessage}, {@code RpcContext}, {@code @IpcTopic}, {@code Message})
	 * and before the payload, so a parameter they support is not taken for the payload.
	 * @param resolvers the list to add to
	 */
	default void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
	}

}
