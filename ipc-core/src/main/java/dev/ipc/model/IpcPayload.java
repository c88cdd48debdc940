package dev.ipc.model;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the wire name of a payload type, once, as Bitwarden's
 * {@code PAYLOAD_TYPE_NAME} / {@code NAME} constants do (spec §1.6–§1.7).
 *
 * <ul>
 * <li>On a pub/sub payload type the name is the <em>topic</em>: a typed send uses it as
 * the message topic, a typed subscription filters on it.</li>
 * <li>On an {@link dev.ipc.rpc.RpcRequest} type the name is the <em>request type</em>
 * ({@code request_type} on the wire) that selects the handler.</li>
 * </ul>
 * The name is never derived from the class name: renaming a class must not change the
 * protocol. The reserved names {@code RpcRequestMessage} and {@code RpcResponseMessage}
 * cannot be used as topics.
 *
 * <pre>{@code
 * &#64;IpcPayload("password-manager.shared-unlock.leader-to-follower")
 * record LeaderMessage(String kind) {}
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface IpcPayload {

	/** The topic (payload types) or request type name (RPC requests); non-blank. */
	String value();

}
