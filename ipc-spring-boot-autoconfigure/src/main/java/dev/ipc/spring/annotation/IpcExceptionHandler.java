package dev.ipc.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that decides what the caller of an {@link IpcRpcHandler} learns when the
 * handler fails: declared on an {@link IpcAdvice} bean (for every RPC handler) or in the
 * handler's own class (for its handlers, consulted first). The closest match by exception
 * type wins (the exception itself, else its cause).
 *
 * <p>
 * Parameters: the exception (or its cause), and anything an RPC handler can take
 * ({@code RpcContext}, {@code Source}, {@code @Header}, the request). Return:
 * <ul>
 * <li>a {@code String}: the message the caller gets (sent as the
 * {@code ResponseSerialization} error text, like an
 * {@link dev.ipc.rpc.RpcHandlerException}'s message); it must not contain secrets;</li>
 * <li>an {@link dev.ipc.rpc.RpcHandlerException}: its message is sent;</li>
 * <li>{@code void}: the failure is only observed; the default reply goes out.</li>
 * </ul>
 * Throwing an {@code RpcHandlerException} from the method sends its message; any other
 * exception it throws is logged and the default reply goes out. Without a matching
 * method, a {@code RpcHandlerException} sends its message, a validation failure
 * {@code Invalid request: <field> <message>}, anything else only
 * {@code handler failed: <exception simple name>}; the stack trace is logged locally.
 *
 * <p>
 * A method with another return type, or without an exception type (in {@link #value()} or
 * among its parameters), fails startup.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface IpcExceptionHandler {

	/**
	 * The exceptions handled; defaults to the exception types among the method's
	 * parameters.
	 * @return the exception types
	 */
	Class<? extends Throwable>[] value() default {};

}
