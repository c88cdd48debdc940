package dev.ipc.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a Spring bean as a subscriber to an IPC topic. The method is
 * registered with the {@link IpcSubscriberRegistry} and started with the client.
 *
 * <p>
 * The method is invoked through spring-messaging's handler-method infrastructure (see
 * {@link dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory}). Parameters,
 * in any order: exactly one <em>payload</em> (decoded from JSON with the client's codec,
 * or the raw bytes as {@code byte[]}; optionally marked {@code @Payload}, an
 * {@code Optional}, or wrapped as {@code Message<T>}), optionally annotated with
 * {@code @Valid} or {@code @Validated} to validate it; the {@link dev.ipc.model.Source}
 * (stamped by the receiving transport, so it can be trusted); the
 * {@link dev.ipc.model.IncomingMessage}; a {@code String} annotated with
 * {@link IpcTopic}; {@code @Header} values named by {@link IpcHeaders},
 * {@code @Headers Map} or {@code MessageHeaders}; parameters an
 * {@link IpcHandlerConfigurer}'s resolvers support. A JSON {@code null} payload is
 * refused (to the error handler) unless the parameter is
 * {@code @Payload(required = false)} or an {@code Optional}. The method returns
 * {@code void}, or a {@link java.util.concurrent.CompletionStage} when it completes
 * asynchronously. An exception (or a stage completed exceptionally) goes to the
 * {@link IpcErrorHandler}.
 *
 * <pre>{@code
 * &#64;IpcSubscriber(sources = "worker")
 * void onJobCompleted(JobCompleted event, Source source) { ... }
 * }</pre>
 *
 * <p>
 * String attributes accept {@code ${...}} placeholders and {@code #{...}} expressions. To
 * switch a subscriber on or off with configuration, put a condition on its bean or use
 * {@link #autoStartup()}.
 *
 * @author IPC contributors
 * @since 0.1.0
 * @see IpcRpcHandler
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface IpcSubscriber {

	/**
	 * Topic to subscribe to. Defaults to the topic the payload type declares with
	 * {@link dev.ipc.model.IpcPayload}; required when it declares none (for example a
	 * {@code byte[]} payload).
	 * @return the topic
	 */
	String topic() default "";

	/**
	 * Unique id of this subscriber in the registry. Defaults to
	 * {@code <bean class>.<method>}.
	 * @return the id
	 */
	String id() default "";

	/**
	 * Number of messages handled at once (a positive integer). {@code 1} handles them one
	 * by one in arrival order; more handles them concurrently on the IPC executor,
	 * without order. Defaults to {@code ipc.subscriber.concurrency}.
	 * @return the concurrency
	 */
	String concurrency() default "";

	/**
	 * Whether the subscriber starts with the client ({@code true}/{@code false}).
	 * Defaults to {@code ipc.handlers.auto-startup}.
	 * @return whether to start automatically
	 */
	String autoStartup() default "";

	/**
	 * Name of the {@link IpcErrorHandler} bean for this subscriber. Defaults to the
	 * unique {@code IpcErrorHandler} bean, else one that logs.
	 * @return the bean name
	 */
	String errorHandler() default "";

	/**
	 * Sources accepted: the names of named endpoints (for example {@code worker}), or a
	 * Bitwarden variant's name ({@code DesktopMain}, {@code DesktopRenderer},
	 * {@code BrowserBackground}, {@code BrowserForeground}, {@code Web}). Empty accepts
	 * every source. Messages from other sources are dropped and counted as
	 * {@link dev.ipc.event.DropReason#SOURCE_REJECTED}.
	 * @return the accepted source names
	 */
	String[] sources() default {};

	/**
	 * OS users accepted, as verified by the transport (Unix socket peer credentials).
	 * {@code "${user.name}"} accepts only the user this process runs as. A message whose
	 * sender's user is unknown is rejected. Empty accepts every user.
	 * @return the accepted users
	 */
	String[] users() default {};

}
