package dev.ipc.spring.annotation;

/**
 * Names of the message headers an annotated IPC handler can read with
 * {@link org.springframework.messaging.handler.annotation.Header @Header} (or all at once
 * with {@link org.springframework.messaging.handler.annotation.Headers @Headers}). Every
 * value is set by the receiving side (the transport stamps the source, the client parses
 * the RPC envelope), never copied from headers a sender chose: nothing travels on the
 * wire besides what the Bitwarden protocol carries.
 *
 * <pre>{@code
 * &#64;IpcRpcHandler
 * Credential fetch(@Payload FetchCredential request, @Header(IpcHeaders.REQUEST_ID) String requestId,
 *

&#64;Header(name = IpcHeaders.SOURCE_USER, required = false) String user) { ... }
 * }</pre>
 *
 * <p>
 * A header that a message does not carry (the request headers on a subscriber,
 * {@link #SOURCE_USER} when the transport could not verify the user) fails the invocation
 * unless the parameter says {@code required = false}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcHeaders {

	/** The prefix of every IPC header. */
	public static final String PREFIX = "ipc_";

	/**
	 * The topic the message arrived on ({@code String}); the RPC request topic for
	 * requests.
	 */
	public static final String TOPIC = PREFIX + "topic";

	/**
	 * The sender, as stamped by the receiving transport ({@link dev.ipc.model.Source}).
	 */
	public static final String SOURCE = PREFIX + "source";

	/**
	 * The name the sender is matched by in {@code sources} ({@code String}): a named
	 * endpoint's name, else the Bitwarden variant ({@code DesktopMain}, {@code Web},
	 * ...).
	 */
	public static final String SOURCE_NAME = PREFIX + "sourceName";

	/**
	 * The sender's OS user as verified by the transport ({@code String}); absent when
	 * unknown.
	 */
	public static final String SOURCE_USER = PREFIX + "sourceUser";

	/** Where the sender addressed the message ({@link dev.ipc.model.Endpoint}). */
	public static final String DESTINATION = PREFIX + "destination";

	/**
	 * Subscribers only: the {@link dev.ipc.model.DeliveryKind} of the message,
	 * {@code ADDRESSED} (a {@code send} to this process) or {@code PUBLISHED} (one copy
	 * of a {@code publish} to every subscriber). A {@code DeliveryKind} parameter gets it
	 * without the annotation.
	 */
	public static final String DELIVERY_KIND = PREFIX + "deliveryKind";

	/**
	 * The received message with its raw payload ({@link dev.ipc.model.IncomingMessage});
	 * subscribers only.
	 */
	public static final String RECEIVED_MESSAGE = PREFIX + "receivedMessage";

	/** The RPC request's id ({@code String}); RPC handlers only. */
	public static final String REQUEST_ID = PREFIX + "requestId";

	/**
	 * The RPC request type name ({@code String}, its {@code @IpcPayload} name); RPC
	 * handlers only.
	 */
	public static final String REQUEST_TYPE = PREFIX + "requestType";

	/** The RPC request's context ({@link dev.ipc.rpc.RpcContext}); RPC handlers only. */
	public static final String RPC_CONTEXT = PREFIX + "rpcContext";

	private IpcHeaders() {
	}

}
