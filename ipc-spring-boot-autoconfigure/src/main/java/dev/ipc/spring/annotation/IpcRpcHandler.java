package dev.ipc.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a Spring bean as the handler of one RPC request type. The request
 * type is the method's payload parameter, an {@link dev.ipc.rpc.RpcRequest
 * RpcRequest&lt;R&gt;} whose name is declared with {@link dev.ipc.model.IpcPayload}; the
 * method returns {@code R}, or a {@link java.util.concurrent.CompletionStage} of
 * {@code R}. The return value is the response.
 *
 * <p>
 * Parameters, in any order: exactly one request (optionally {@code @Payload},
 * {@code @Valid}/{@code @Validated}, or wrapped as {@code Message<R>}), the
 * {@link dev.ipc.model.Source} of the caller, the {@link dev.ipc.rpc.RpcContext},
 * {@code @Header} values named by {@link IpcHeaders} (request id and type, source name
 * and user, ...), {@code @Headers}, parameters an {@link IpcHandlerConfigurer}'s
 * resolvers support. A method that throws answers the caller with an error: what an
 * {@link IpcExceptionHandler} (in the handler's class or an {@link IpcAdvice} bean)
 * chooses, else the message of a {@link dev.ipc.rpc.RpcHandlerException}, else only the
 * exception's simple class name (so internal details do not leak). A request body that
 * does not bind to the request type is answered with a fixed
 * {@code RequestDeserialization} text; the detail is logged locally.
 *
 * <pre>{@code
 * &#64;IpcRpcHandler(sources = "worker", users = "${user.name}")
 * Credential fetch(FetchCredential request, Source caller) { ... }
 * }</pre>
 *
 * <p>
 * Two methods handling the same request type fail startup, naming both.
 *
 * @author IPC contributors
 * @since 0.1.0
 * @see IpcSubscriber
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface IpcRpcHandler {

	/**
	 * Unique id of this handler in the registry. Defaults to
	 * {@code <bean class>.<method>}.
	 * @return the id
	 */
	String id() default "";

	/**
	 * Maximum number of concurrent invocations (a positive integer); further requests
	 * wait in order. Defaults to {@code ipc.rpc.concurrency} (unbounded when not set).
	 * @return the concurrency
	 */
	String concurrency() default "";

	/**
	 * Whether the handler starts with the client ({@code true}/{@code false}). Until it
	 * starts, callers get {@code NoHandlerFound}. Defaults to
	 * {@code ipc.handlers.auto-startup}.
	 * @return whether to start automatically
	 */
	String autoStartup() default "";

	/**
	 * Sources accepted, as in {@link IpcSubscriber#sources()}. Requests from other
	 * sources are answered with an error and counted as
	 * {@link dev.ipc.event.DropReason#SOURCE_REJECTED}.
	 * @return the accepted source names
	 */
	String[] sources() default {};

	/**
	 * OS users accepted, as in {@link IpcSubscriber#users()}.
	 * @return the accepted users
	 */
	String[] users() default {};

}
