package dev.ipc.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a {@code String} parameter of an {@link IpcSubscriber} method to the topic the
 * message arrived on; the same as {@code @Header(IpcHeaders.TOPIC)}. With a
 * {@code MessageHandlerMethodFactory} of the application's own, it needs
 * {@link dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory#ipcArgumentResolvers()}
 * among the factory's resolvers.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface IpcTopic {

}
