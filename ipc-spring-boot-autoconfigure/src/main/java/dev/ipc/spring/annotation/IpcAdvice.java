package dev.ipc.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.stereotype.Component;

/**
 * Marks a bean whose {@link IpcExceptionHandler} methods apply to every
 * {@link IpcRpcHandler} method of the application, the way {@code @ControllerAdvice} does
 * for MVC controllers and {@code @GrpcAdvice} for gRPC services. Several advice beans are
 * consulted in {@link org.springframework.core.annotation.Order @Order}; exception
 * handlers declared in the handler's own class come first.
 *
 * <pre>{@code
 * &#64;IpcAdvice
 * class VaultErrors {
 *
 *

&#64;IpcExceptionHandler
 *     String locked(VaultLockedException ex) {
 *         return "The vault is locked";                 // what the caller learns
 *     }
 * }
 * }</pre>
 *
 * <p>
 * An advice bean is found when the context starts (it must be a singleton); an invalid
 * exception handler method in it fails startup.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface IpcAdvice {

}
