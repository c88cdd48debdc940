package dev.ipc.client;

import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.codec.PayloadCodecException;
import dev.ipc.observation.RpcContextCarrier;
import dev.ipc.rpc.RpcError;

/**
 * Encodes and decodes the RPC envelopes exactly as the reference (spec §1.7, §3 and the
 * newer revision):
 * <ul>
 * <li>request
 * {@code {"request":…,"request_id":"…","request_type":"…","response_topic":"…"}}, plus
 * the optional {@code "ipc_context"} of {@link RpcContextCarrier} when an observer
 * carries one</li>
 * <li>response
 * {@code {"result":{"Ok":…}|{"Err":…},"request_id":"…","request_type":"…"}}</li>
 * </ul>
 * Encoding writes into a pooled buffer ({@link EnvelopeOutput}) and allocates only the
 * envelope's own array. Decoding reads the identifiers in one streaming pass that skips
 * the body and remembers where it lies, so the id is known before the body is bound (spec
 * §8 item 5) and the body is then parsed once, straight into its type.
 */
final class RpcEnvelopes {

	private final PayloadCodec codec;

	RpcEnvelopes(PayloadCodec codec) {
		this.codec = codec;
	}

	/**
	 * Envelope identifiers of a request; {@code body} may be {@code null} (unit
	 * requests); {@code context} is what the requester carried in
	 * {@link RpcContextCarrier#FIELD} (empty when absent).
	 */
	record RequestHeader(String requestId, String requestType, @Nullable String responseTopic, @Nullable Value body,
			Map<String, String> context) {
	}

	/**
	 * The request id of a response and its undecoded result: {@code resultTag} is
	 * {@code "Ok"} or {@code "Err"} with its {@code resultValue}, or {@code null} when
	 * {@code result} does not have exactly one of those shapes. (Its echoed
	 * {@code request_type} is not read: the pending request knows its type.)
	 */
	record ResponseHeader(String requestId, @Nullable String resultTag, @Nullable Value resultValue) {
	}

	/**
	 * An undecoded JSON value inside an envelope, kept as the byte range of the payload
	 * it occupies so it is parsed only once more, straight into its target type.
	 */
	static final class Value {

		private final byte[] source;

		private final int offset;

		private final int length;

		private final boolean isNull;

		Value(byte[] source, int offset, int length, boolean isNull) {
			this.source = source;
			this.offset = offset;
			this.length = length;
			this.isNull = isNull;
		}

		boolean isNull() {
			return isNull;
		}

		<T> T bind(PayloadCodec codec, Type type) {
			return codec.decode(source, offset, length, type);
		}

	}

	byte[] encodeRequest(@Nullable Object request, String requestId, String requestType, String responseTopic) {
		return encodeRequest(request, requestId, requestType, responseTopic, Map.of());
	}

	byte[] encodeRequest(@Nullable Object request, String requestId, String requestType, String responseTopic,
			Map<String, String> context) {
		EnvelopeOutput out = EnvelopeOutput.take();
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
			if (!context.isEmpty()) {
				g.writeName(RpcContextCarrier.FIELD);
				g.writeStartObject();
				for (Map.Entry<String, String> entry : context.entrySet()) {
					g.writeStringProperty(entry.getKey(), entry.getValue());
				}
				g.writeEndObject();
			}
			g.writeEndObject();
		}
		catch (JacksonException ex) {
			throw new PayloadCodecException(ex.getOriginalMessage(), ex);
		}
		return out.result();
	}

	byte[] encodeOk(@Nullable Object response, String requestId, String requestType) {
		return encodeResponse("Ok", response, requestId, requestType);
	}

	byte[] encodeErr(RpcError error, String requestId, String requestType) {
		return encodeResponse("Err", error, requestId, requestType);
	}

	private byte[] encodeResponse(String tag, @Nullable Object value, String requestId, String requestType) {
		EnvelopeOutput out = EnvelopeOutput.take();
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
		return out.result();
	}

	/**
	 * Reads a request's identifiers in one streaming pass; the body is skipped and kept
	 * as a byte range.
	 * @return {@code null} if no request id can be recovered; a header with a
	 * {@code null}-safe empty type otherwise
	 */
	@Nullable RequestHeader readRequest(byte[] payload) {
		String id = null;
		String type = null;
		String topic = null;
		Value body = null;
		Map<String, String> context = Map.of();
		try (JsonParser p = codec.mapper().createParser(payload)) {
			if (p.nextToken() != JsonToken.START_OBJECT) {
				return null;
			}
			String name;
			while ((name = p.nextName()) != null) {
				JsonToken token = p.nextToken();
				switch (name) {
					case "request_id" -> id = string(p, token);
					case "request_type" -> type = string(p, token);
					case "response_topic" -> topic = string(p, token);
					case "request" -> body = value(p, token, payload);
					case RpcContextCarrier.FIELD -> context = context(p, token);
					default -> p.skipChildren();
				}
			}
		}
		catch (JacksonException ex) {
			return null;
		}
		if (id == null) {
			return null;
		}
		return new RequestHeader(id, (type == null) ? "" : type, topic, body, context);
	}

	/**
	 * Reads a response's identifiers in one streaming pass, or returns {@code null} if it
	 * is not a response envelope.
	 */
	@Nullable ResponseHeader readResponse(byte[] payload) {
		String id = null;
		boolean hasResult = false;
		String tag = null;
		Value value = null;
		try (JsonParser p = codec.mapper().createParser(payload)) {
			if (p.nextToken() != JsonToken.START_OBJECT) {
				return null;
			}
			String name;
			while ((name = p.nextName()) != null) {
				JsonToken token = p.nextToken();
				switch (name) {
					case "request_id" -> id = string(p, token);
					case "result" -> {
						hasResult = true;
						tag = null;
						value = null;
						if (token == JsonToken.START_OBJECT) {
							String inner;
							int names = 0;
							String only = null;
							while ((inner = p.nextName()) != null) {
								JsonToken innerToken = p.nextToken();
								if (!inner.equals(only)) {
									names++;
									only = inner;
								}
								if (inner.equals("Ok") || inner.equals("Err")) {
									tag = inner;
									value = value(p, innerToken, payload);
								}
								else {
									p.skipChildren();
								}
							}
							if (names != 1) {
								tag = null;
								value = null;
							}
						}
						else {
							p.skipChildren();
						}
					}
					default -> p.skipChildren();
				}
			}
		}
		catch (JacksonException ex) {
			return null;
		}
		if (id == null || !hasResult) {
			return null;
		}
		return new ResponseHeader(id, tag, value);
	}

	/**
	 * Binds a request body to the handler's request class, recreating unit types from
	 * {@code null}.
	 */
	Object bindRequest(@Nullable Value body, Class<?> requestClass) {
		if (RpcTypes.isUnit(requestClass) && (body == null || body.isNull())) {
			return RpcTypes.newUnit(requestClass);
		}
		if (body == null) {
			throw new PayloadCodecException("missing field `request`", null);
		}
		return body.bind(codec, requestClass);
	}

	/**
	 * The outcome of a response's {@code result}: exactly one of {@code value} or
	 * {@code error} is meaningful.
	 */
	record Result(@Nullable Object value, @Nullable RpcError error) {
	}

	/**
	 * Binds {@code {"Ok":…}} to {@code responseType} or {@code {"Err":…}} to an
	 * {@link RpcError}.
	 * @throws PayloadCodecException if the result has neither shape or does not bind
	 */
	Result bindResult(ResponseHeader header, Type responseType) {
		Value value = header.resultValue();
		if ("Ok".equals(header.resultTag()) && value != null) {
			return new Result(value.bind(codec, responseType), null);
		}
		if ("Err".equals(header.resultTag()) && value != null) {
			return new Result(null, value.bind(codec, RpcError.class));
		}
		throw new PayloadCodecException("`result` must be {\"Ok\":…} or {\"Err\":…}", null);
	}

	private static @Nullable String string(JsonParser p, JsonToken token) {
		if (token == JsonToken.VALUE_STRING) {
			return p.getString();
		}
		p.skipChildren();
		return null;
	}

	/**
	 * Reads a carried context within {@link RpcContextCarrier}'s bounds, skipping what
	 * breaks them.
	 */
	private static Map<String, String> context(JsonParser p, JsonToken token) {
		if (token != JsonToken.START_OBJECT) {
			p.skipChildren();
			return Map.of();
		}
		Map<String, String> context = new LinkedHashMap<>();
		String name;
		while ((name = p.nextName()) != null) {
			JsonToken valueToken = p.nextToken();
			if (valueToken == JsonToken.VALUE_STRING && context.size() < RpcContextCarrier.MAX_ENTRIES
					&& p.getStringLength() <= RpcContextCarrier.MAX_VALUE_LENGTH) {
				String value = p.getString();
				if (RpcContextCarrier.accepts(name, value)) {
					context.put(name, value);
				}
			}
			else {
				p.skipChildren();
			}
		}
		return context;
	}

	/** Skips the value at the current token, returning the byte range it occupies. */
	private static Value value(JsonParser p, JsonToken token, byte[] payload) {
		int start = (int) p.currentTokenLocation().getByteOffset();
		if (token.isStructStart()) {
			p.skipChildren();
		}
		else {
			p.finishToken();
		}
		int end = (int) p.currentLocation().getByteOffset();
		return new Value(payload, start, end - start, token == JsonToken.VALUE_NULL);
	}

}
