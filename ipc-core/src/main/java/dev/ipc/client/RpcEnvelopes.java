package dev.ipc.client;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.codec.PayloadCodecException;
import dev.ipc.rpc.RpcError;

/**
 * Encodes and decodes the RPC envelopes exactly as the reference (spec §1.7, §3 and the newer revision):
 * <ul>
 * <li>request {@code {"request":…,"request_id":"…","request_type":"…","response_topic":"…"}}</li>
 * <li>response {@code {"result":{"Ok":…}|{"Err":…},"request_id":"…","request_type":"…"}}</li>
 * </ul>
 * Decoding goes through a tree so the identifiers are read before the body is bound (spec §8 item 5).
 */
final class RpcEnvelopes {

	private final PayloadCodec codec;

	RpcEnvelopes(PayloadCodec codec) {
		this.codec = codec;
	}

	/** Envelope identifiers of a request; {@code body} may be {@code null} (unit requests). */
	record RequestHeader(String requestId, String requestType, @Nullable String responseTopic, @Nullable JsonNode body) {
	}

	/** Envelope identifiers of a response and its undecoded {@code result}. */
	record ResponseHeader(String requestId, String requestType, @Nullable JsonNode result) {
	}

	byte[] encodeRequest(@Nullable Object request, String requestId, String requestType, String responseTopic) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(128);
		try (JsonGenerator g = codec.mapper().createGenerator(out)) {
			g.writeStartObject();
			g.writeName("request");
			if (request == null || RpcTypes.isUnit(request.getClass())) {
				g.writeNull();
			}
			else {
				g.writePOJO(request);
			}
			g.writeStringProperty("request_id", requestId);
			g.writeStringProperty("request_type", requestType);
			g.writeStringProperty("response_topic", responseTopic);
			g.writeEndObject();
		}
		catch (JacksonException ex) {
			throw new PayloadCodecException(ex.getOriginalMessage(), ex);
		}
		return out.toByteArray();
	}

	byte[] encodeOk(@Nullable Object response, String requestId, String requestType) {
		return encodeResponse("Ok", response, requestId, requestType);
	}

	byte[] encodeErr(RpcError error, String requestId, String requestType) {
		return encodeResponse("Err", error, requestId, requestType);
	}

	private byte[] encodeResponse(String tag, @Nullable Object value, String requestId, String requestType) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(128);
		try (JsonGenerator g = codec.mapper().createGenerator(out)) {
			g.writeStartObject();
			g.writeName("result");
			g.writeStartObject();
			g.writeName(tag);
			g.writePOJO(value);
			g.writeEndObject();
			g.writeStringProperty("request_id", requestId);
			g.writeStringProperty("request_type", requestType);
			g.writeEndObject();
		}
		catch (JacksonException ex) {
			throw new PayloadCodecException(ex.getOriginalMessage(), ex);
		}
		return out.toByteArray();
	}

	/**
	 * Reads a request's identifiers.
	 * @return {@code null} if no request id can be recovered; a header with a {@code null}-safe empty type otherwise
	 */
	@Nullable
	RequestHeader readRequest(byte[] payload) {
		JsonNode root = tree(payload);
		if (root == null || !root.isObject()) {
			return null;
		}
		String id = string(root, "request_id");
		if (id == null) {
			return null;
		}
		String type = string(root, "request_type");
		return new RequestHeader(id, (type == null) ? "" : type, string(root, "response_topic"), root.get("request"));
	}

	/** Reads a response's identifiers, or returns {@code null} if it is not a response envelope. */
	@Nullable
	ResponseHeader readResponse(byte[] payload) {
		JsonNode root = tree(payload);
		if (root == null || !root.isObject()) {
			return null;
		}
		String id = string(root, "request_id");
		if (id == null || !root.has("result")) {
			return null;
		}
		String type = string(root, "request_type");
		return new ResponseHeader(id, (type == null) ? "" : type, root.get("result"));
	}

	/** Binds a request body to the handler's request class, recreating unit types from {@code null}. */
	Object bindRequest(@Nullable JsonNode body, Class<?> requestClass) {
		if (RpcTypes.isUnit(requestClass) && (body == null || body.isNull())) {
			return RpcTypes.newUnit(requestClass);
		}
		if (body == null) {
			throw new PayloadCodecException("missing field `request`", null);
		}
		return codec.convert(body, requestClass);
	}

	/** The outcome of a response's {@code result}: exactly one of {@code value} or {@code error} is meaningful. */
	record Result(@Nullable Object value, @Nullable RpcError error) {
	}

	/**
	 * Binds {@code {"Ok":…}} to {@code responseType} or {@code {"Err":…}} to an {@link RpcError}.
	 * @throws PayloadCodecException if the result has neither shape or does not bind
	 */
	Result bindResult(@Nullable JsonNode result, Type responseType) {
		if (result != null && result.isObject() && result.size() == 1) {
			if (result.has("Ok")) {
				return new Result(codec.convert(result.get("Ok"), responseType), null);
			}
			if (result.has("Err")) {
				return new Result(null, codec.convert(result.get("Err"), RpcError.class));
			}
		}
		throw new PayloadCodecException("`result` must be {\"Ok\":…} or {\"Err\":…}", null);
	}

	private @Nullable JsonNode tree(byte[] payload) {
		try {
			return codec.readTree(payload);
		}
		catch (PayloadCodecException ex) {
			return null;
		}
	}

	private static @Nullable String string(JsonNode root, String field) {
		JsonNode value = root.get(field);
		return (value != null && value.isString()) ? value.asString() : null;
	}

}
