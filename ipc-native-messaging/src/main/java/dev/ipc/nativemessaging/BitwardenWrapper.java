package dev.ipc.nativemessaging;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.ipc.codec.IpcJsonModule;
import dev.ipc.model.Endpoint;

/**
 * Bitwarden's JSON wrapper for IPC messages on a browser channel (spec §5.5):
 * {@code {"type":"bitwarden-ipc-message","message":{"destination":<Endpoint>,"payload":[<bytes as numbers>],
 * "topic":<string, absent when none>}}}. The endpoint uses the externally tagged form of
 * {@link IpcJsonModule}.
 */
final class BitwardenWrapper {

	/** The {@code type} of an IPC message. */
	static final String TYPE = "bitwarden-ipc-message";

	/** The {@code type} of the notice the host writes once it can relay IPC messages. */
	static final String READY_TYPE = "native-messaging-ready";

	/**
	 * The {@code type} of the notice the host writes before it exits on a refused origin.
	 */
	static final String ERROR_TYPE = "native-messaging-error";

	/** A decoded wrapper. */
	record Decoded(Endpoint destination, byte[] payload, @Nullable String topic) {
	}

	/**
	 * A browser message that is not an IPC message, or is malformed;
	 * {@link #getMessage()} says why.
	 */
	static final class NotAnIpcMessageException extends Exception {

		private static final long serialVersionUID = 1L;

		NotAnIpcMessageException(String message) {
			super(message);
		}

	}

	private static final JsonMapper MAPPER = JsonMapper.builder().addModule(new IpcJsonModule()).build();

	private BitwardenWrapper() {
	}

	/** The wrapper's UTF-8 JSON for a message to the browser. */
	static byte[] encode(Endpoint destination, byte[] payload, @Nullable String topic) {
		int[] numbers = new int[payload.length];
		for (int i = 0; i < payload.length; i++) {
			numbers[i] = payload[i] & 0xFF;
		}
		Map<String, Object> message = new LinkedHashMap<>();
		message.put("destination", destination);
		message.put("payload", numbers);
		if (topic != null) {
			message.put("topic", topic);
		}
		Map<String, Object> wrapper = new LinkedHashMap<>();
		wrapper.put("type", TYPE);
		wrapper.put("message", message);
		return MAPPER.writeValueAsBytes(wrapper);
	}

	/** The notice that the host is ready: {@code {"type":"native-messaging-ready"}}. */
	static byte[] ready() {
		return MAPPER.writeValueAsBytes(Map.of("type", READY_TYPE));
	}

	/**
	 * The notice written to the browser before the host exits because it refused to
	 * serve.
	 */
	static byte[] error(String code, String text) {
		Map<String, Object> wrapper = new LinkedHashMap<>();
		wrapper.put("type", ERROR_TYPE);
		wrapper.put("error", code);
		wrapper.put("message", text);
		return MAPPER.writeValueAsBytes(wrapper);
	}

	/**
	 * Decodes one browser message.
	 * @throws NotAnIpcMessageException if it is not JSON, not of {@link #TYPE}, or its
	 * fields are malformed
	 */
	static Decoded decode(byte[] json) throws NotAnIpcMessageException {
		JsonNode root;
		try {
			root = MAPPER.readTree(json);
		}
		catch (JacksonException ex) {
			throw new NotAnIpcMessageException("not JSON");
		}
		if (root == null || !root.isObject()) {
			throw new NotAnIpcMessageException("not a JSON object");
		}
		JsonNode type = root.get("type");
		if (type == null || !type.isString() || !TYPE.equals(type.asString())) {
			throw new NotAnIpcMessageException("type is not \"" + TYPE + "\"");
		}
		JsonNode message = root.get("message");
		if (message == null || !message.isObject()) {
			throw new NotAnIpcMessageException("no message object");
		}
		JsonNode destinationNode = message.get("destination");
		if (destinationNode == null) {
			throw new NotAnIpcMessageException("no destination");
		}
		Endpoint destination;
		try {
			destination = MAPPER.treeToValue(destinationNode, Endpoint.class);
		}
		catch (JacksonException ex) {
			throw new NotAnIpcMessageException("bad destination");
		}
		JsonNode payloadNode = message.get("payload");
		if (payloadNode == null || !payloadNode.isArray()) {
			throw new NotAnIpcMessageException("payload is not an array");
		}
		byte[] payload = new byte[payloadNode.size()];
		for (int i = 0; i < payload.length; i++) {
			JsonNode element = payloadNode.get(i);
			if (!element.isIntegralNumber() || element.asInt() < 0 || element.asInt() > 255) {
				throw new NotAnIpcMessageException("payload element " + i + " is not a byte (0-255)");
			}
			payload[i] = (byte) element.asInt();
		}
		JsonNode topicNode = message.get("topic");
		String topic = null;
		if (topicNode != null && !topicNode.isNull()) {
			if (!topicNode.isString()) {
				throw new NotAnIpcMessageException("topic is not a string");
			}
			topic = topicNode.asString();
		}
		return new Decoded(destination, payload, topic);
	}

}
