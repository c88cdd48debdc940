package dev.ipc.spring.annotation;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.support.GenericMessage;

import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcContext;

/**
 * Builds the spring-messaging {@link Message} a handler method is invoked with: the
 * payload as already decoded by the client's codec ({@code Optional.empty()} for a JSON
 * {@code null}), and the {@link IpcHeaders}. The message prints neither its payload nor
 * its headers' values, so exceptions naming it never log a payload.
 */
final class IpcMessages {

	private IpcMessages() {
	}

	static Message<Object> forSubscriber(IncomingMessage message, @Nullable Object payload) {
		Map<String, Object> headers = common(message.source());
		if (message.topic() != null) {
			headers.put(IpcHeaders.TOPIC, message.topic());
		}
		headers.put(IpcHeaders.DESTINATION, message.destination());
		headers.put(IpcHeaders.DELIVERY_KIND, message.kind());
		headers.put(IpcHeaders.RECEIVED_MESSAGE, message);
		return new IpcMessage(payloadOf(payload), new IpcMessageHeaders(headers));
	}

	static Message<Object> forRequest(RpcContext context, @Nullable Object request) {
		Map<String, Object> headers = common(context.source());
		headers.put(IpcHeaders.TOPIC, dev.ipc.model.Topics.RPC_REQUEST);
		headers.put(IpcHeaders.DESTINATION, context.destination());
		headers.put(IpcHeaders.REQUEST_ID, context.requestId());
		headers.put(IpcHeaders.REQUEST_TYPE, context.requestType());
		headers.put(IpcHeaders.RPC_CONTEXT, context);
		return new IpcMessage(payloadOf(request), new IpcMessageHeaders(headers));
	}

	private static Map<String, Object> common(Source source) {
		Map<String, Object> headers = new HashMap<>(16);
		headers.put(IpcHeaders.SOURCE, source);
		headers.put(IpcHeaders.SOURCE_NAME, SourceFilter.nameOf(source));
		if (source instanceof Source.Named named && named.user() != null) {
			headers.put(IpcHeaders.SOURCE_USER, named.user());
		}
		return headers;
	}

	private static Object payloadOf(@Nullable Object payload) {
		return (payload != null) ? payload : Optional.empty();
	}

	/** Headers without the generated id and timestamp, which nothing here needs. */
	private static final class IpcMessageHeaders extends MessageHeaders {

		IpcMessageHeaders(Map<String, Object> headers) {
			super(headers, ID_VALUE_NONE, -1L);
		}

	}

	private static final class IpcMessage extends GenericMessage<Object> {

		IpcMessage(Object payload, MessageHeaders headers) {
			super(payload, headers);
		}

		@Override
		public String toString() {
			return "IpcMessage[topic=" + getHeaders().get(IpcHeaders.TOPIC) + ", payload type="
					+ getPayload().getClass().getSimpleName() + "]";
		}

	}

}
