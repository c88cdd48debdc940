package dev.ipc.codec;

import java.util.Iterator;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.module.SimpleModule;

import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcError;

/**
 * Jackson module that encodes {@link HostId}, {@link Endpoint}, {@link Source} and
 * {@link RpcError} exactly as Rust serde's externally tagged form (spec §1): a unit
 * variant is its bare name ({@code "DesktopMain"}), a variant with fields is a one-entry
 * object ({@code {"BrowserForeground":{"id":3}}}), a newtype variant wraps its value
 * ({@code {"Id":5}}, {@code {"RequestDeserialization":"text"}}). Field names are
 * snake_case as in Rust.
 *
 * <p>
 * Works with any Jackson format (JSON and CBOR). Decoding an unknown variant fails with a
 * message naming the variant and the accepted ones. A unit variant is also accepted in
 * the {@code {"Name":null}} form.
 *
 * <p>
 * Every text field of a decoded endpoint or source ({@code name}, {@code user},
 * {@code document_id}, {@code origin}) is bounded: one longer than
 * {@link #MAX_FIELD_CHARS} characters ({@link #MAX_ORIGIN_CHARS} for an origin) fails
 * decoding, so a peer cannot make a receiver keep large values as endpoint keys. Numbers
 * are 32-bit.
 */
public final class IpcJsonModule extends SimpleModule {

	/**
	 * The longest {@code name}, {@code user} or {@code document_id} accepted when
	 * decoding, in UTF-16 chars.
	 */
	public static final int MAX_FIELD_CHARS = 256;

	/**
	 * The longest {@code origin} accepted when decoding (a URL origin: scheme, host of up
	 * to 253 chars, port).
	 */
	public static final int MAX_ORIGIN_CHARS = 512;

	public IpcJsonModule() {
		super("ipc");
		addSerializer(HostId.class, new HostIdSerializer());
		addDeserializer(HostId.class, new TreeDeserializer<>(HostId.class, IpcJsonModule::hostId));
		addSerializer(Endpoint.class, new EndpointSerializer());
		addDeserializer(Endpoint.class, new TreeDeserializer<>(Endpoint.class, IpcJsonModule::endpoint));
		addSerializer(Source.class, new SourceSerializer());
		addDeserializer(Source.class, new TreeDeserializer<>(Source.class, IpcJsonModule::source));
		addSerializer(RpcError.class, new RpcErrorSerializer());
		addDeserializer(RpcError.class, new TreeDeserializer<>(RpcError.class, IpcJsonModule::rpcError));
	}

	// ---- writing

	static void writeHostId(HostId id, JsonGenerator g) {
		if (id instanceof HostId.Id numeric) {
			g.writeStartObject();
			g.writeNumberProperty("Id", numeric.id());
			g.writeEndObject();
		}
		else {
			g.writeString("Own");
		}
	}

	static void writeEndpoint(Endpoint endpoint, JsonGenerator g) {
		if (endpoint instanceof Endpoint.Web web) {
			g.writeStartObject();
			g.writeName("Web");
			g.writeStartObject();
			g.writeNumberProperty("tab_id", web.tabId());
			g.writeStringProperty("document_id", web.documentId());
			g.writeEndObject();
			g.writeEndObject();
		}
		else if (endpoint instanceof Endpoint.BrowserForeground fg) {
			writeIdVariant(g, "BrowserForeground", fg.id());
		}
		else if (endpoint instanceof Endpoint.BrowserBackground bg) {
			writeHostVariant(g, "BrowserBackground", bg.id());
		}
		else if (endpoint instanceof Endpoint.DesktopRenderer) {
			g.writeString("DesktopRenderer");
		}
		else if (endpoint instanceof Endpoint.DesktopMain) {
			g.writeString("DesktopMain");
		}
		else {
			g.writeStartObject();
			g.writeName("Named");
			g.writeStartObject();
			g.writeStringProperty("name", ((Endpoint.Named) endpoint).name());
			g.writeEndObject();
			g.writeEndObject();
		}
	}

	static void writeSource(Source source, JsonGenerator g) {
		if (source instanceof Source.Web web) {
			g.writeStartObject();
			g.writeName("Web");
			g.writeStartObject();
			g.writeNumberProperty("tab_id", web.tabId());
			g.writeStringProperty("document_id", web.documentId());
			g.writeStringProperty("origin", web.origin());
			g.writeEndObject();
			g.writeEndObject();
		}
		else if (source instanceof Source.BrowserForeground fg) {
			writeIdVariant(g, "BrowserForeground", fg.id());
		}
		else if (source instanceof Source.BrowserBackground bg) {
			writeHostVariant(g, "BrowserBackground", bg.id());
		}
		else if (source instanceof Source.DesktopRenderer) {
			g.writeString("DesktopRenderer");
		}
		else if (source instanceof Source.DesktopMain) {
			g.writeString("DesktopMain");
		}
		else {
			Source.Named named = (Source.Named) source;
			g.writeStartObject();
			g.writeName("Named");
			g.writeStartObject();
			g.writeStringProperty("name", named.name());
			if (named.user() != null) {
				g.writeStringProperty("user", named.user());
			}
			g.writeEndObject();
			g.writeEndObject();
		}
	}

	static void writeRpcError(RpcError error, JsonGenerator g) {
		if (error instanceof RpcError.NoHandlerFound) {
			g.writeString("NoHandlerFound");
			return;
		}
		g.writeStartObject();
		if (error instanceof RpcError.RequestDeserialization e) {
			g.writeStringProperty("RequestDeserialization", e.message());
		}
		else if (error instanceof RpcError.RequestSerialization e) {
			g.writeStringProperty("RequestSerialization", e.message());
		}
		else if (error instanceof RpcError.ResponseDeserialization e) {
			g.writeStringProperty("ResponseDeserialization", e.message());
		}
		else {
			g.writeStringProperty("ResponseSerialization", ((RpcError.ResponseSerialization) error).message());
		}
		g.writeEndObject();
	}

	private static void writeIdVariant(JsonGenerator g, String variant, int id) {
		g.writeStartObject();
		g.writeName(variant);
		g.writeStartObject();
		g.writeNumberProperty("id", id);
		g.writeEndObject();
		g.writeEndObject();
	}

	private static void writeHostVariant(JsonGenerator g, String variant, HostId id) {
		g.writeStartObject();
		g.writeName(variant);
		g.writeStartObject();
		g.writeName("id");
		writeHostId(id, g);
		g.writeEndObject();
		g.writeEndObject();
	}

	// ---- reading

	/** A variant name and its content ({@code null} for a unit variant). */
	private record Tagged(String variant, @Nullable JsonNode content) {
	}

	private static Tagged tagged(JsonNode node, String type) {
		if (node.isString()) {
			return new Tagged(node.asString(), null);
		}
		if (node.isObject() && node.size() == 1) {
			Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
			Map.Entry<String, JsonNode> entry = fields.next();
			JsonNode content = entry.getValue().isNull() ? null : entry.getValue();
			return new Tagged(entry.getKey(), content);
		}
		throw new IllegalArgumentException(
				type + " must be a variant name or a single-entry object, got " + node.getNodeType());
	}

	static HostId hostId(JsonNode node) {
		Tagged t = tagged(node, "HostId");
		switch (t.variant()) {
			case "Own":
				return HostId.OWN;
			case "Id":
				return HostId.id(intValue(t.content(), "Id"));
			default:
				throw unknown("HostId", t.variant(), "Own, Id");
		}
	}

	static Endpoint endpoint(JsonNode node) {
		Tagged t = tagged(node, "Endpoint");
		switch (t.variant()) {
			case "Web":
				return new Endpoint.Web(intField(t.content(), "tab_id"),
						stringField(t.content(), "document_id", MAX_FIELD_CHARS));
			case "BrowserForeground":
				return new Endpoint.BrowserForeground(intField(t.content(), "id"));
			case "BrowserBackground":
				return new Endpoint.BrowserBackground(hostId(field(t.content(), "id")));
			case "DesktopRenderer":
				return Endpoint.DESKTOP_RENDERER;
			case "DesktopMain":
				return Endpoint.DESKTOP_MAIN;
			case "Named":
				return new Endpoint.Named(stringField(t.content(), "name", MAX_FIELD_CHARS));
			default:
				throw unknown("Endpoint", t.variant(),
						"Web, BrowserForeground, BrowserBackground, DesktopRenderer, DesktopMain, Named");
		}
	}

	static Source source(JsonNode node) {
		Tagged t = tagged(node, "Source");
		switch (t.variant()) {
			case "Web":
				return new Source.Web(intField(t.content(), "tab_id"),
						stringField(t.content(), "document_id", MAX_FIELD_CHARS),
						stringField(t.content(), "origin", MAX_ORIGIN_CHARS));
			case "BrowserForeground":
				return new Source.BrowserForeground(intField(t.content(), "id"));
			case "BrowserBackground":
				return new Source.BrowserBackground(hostId(field(t.content(), "id")));
			case "DesktopRenderer":
				return Source.DESKTOP_RENDERER;
			case "DesktopMain":
				return Source.DESKTOP_MAIN;
			case "Named":
				JsonNode user = t.content() == null ? null : t.content().get("user");
				return new Source.Named(stringField(t.content(), "name", MAX_FIELD_CHARS),
						(user == null || user.isNull()) ? null : bounded(text(user, "user"), "user", MAX_FIELD_CHARS));
			default:
				throw unknown("Source", t.variant(),
						"Web, BrowserForeground, BrowserBackground, DesktopRenderer, DesktopMain, Named");
		}
	}

	static RpcError rpcError(JsonNode node) {
		Tagged t = tagged(node, "RpcError");
		switch (t.variant()) {
			case "NoHandlerFound":
				return RpcError.NO_HANDLER_FOUND;
			case "RequestDeserialization":
				return new RpcError.RequestDeserialization(text(t.content(), t.variant()));
			case "RequestSerialization":
				return new RpcError.RequestSerialization(text(t.content(), t.variant()));
			case "ResponseDeserialization":
				return new RpcError.ResponseDeserialization(text(t.content(), t.variant()));
			case "ResponseSerialization":
				return new RpcError.ResponseSerialization(text(t.content(), t.variant()));
			default:
				throw unknown("RpcError", t.variant(), "RequestDeserialization, RequestSerialization, "
						+ "ResponseDeserialization, ResponseSerialization, NoHandlerFound");
		}
	}

	private static IllegalArgumentException unknown(String type, String variant, String expected) {
		return new IllegalArgumentException(
				"Unknown " + type + " variant '" + variant + "'; expected one of: " + expected);
	}

	private static JsonNode field(@Nullable JsonNode content, String name) {
		JsonNode value = (content == null) ? null : content.get(name);
		if (value == null || value.isNull()) {
			throw new IllegalArgumentException("missing field `" + name + "`");
		}
		return value;
	}

	private static int intField(@Nullable JsonNode content, String name) {
		return intValue(field(content, name), name);
	}

	private static int intValue(@Nullable JsonNode value, String name) {
		if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
			throw new IllegalArgumentException("field `" + name + "` must be a 32-bit integer");
		}
		return value.intValue();
	}

	private static String stringField(@Nullable JsonNode content, String name, int maxChars) {
		return bounded(text(field(content, name), name), name, maxChars);
	}

	private static String bounded(String value, String name, int maxChars) {
		if (value.length() > maxChars) {
			throw new IllegalArgumentException("field `" + name + "` is " + value.length()
					+ " characters long; at most " + maxChars + " are accepted");
		}
		return value;
	}

	private static String text(@Nullable JsonNode value, String name) {
		if (value == null || !value.isString()) {
			throw new IllegalArgumentException("field `" + name + "` must be a string");
		}
		return value.asString();
	}

	// ---- Jackson adapters

	private static final class HostIdSerializer extends ValueSerializer<HostId> {

		@Override
		public void serialize(HostId value, JsonGenerator g, SerializationContext ctxt) throws JacksonException {
			writeHostId(value, g);
		}

	}

	private static final class EndpointSerializer extends ValueSerializer<Endpoint> {

		@Override
		public void serialize(Endpoint value, JsonGenerator g, SerializationContext ctxt) throws JacksonException {
			writeEndpoint(value, g);
		}

	}

	private static final class SourceSerializer extends ValueSerializer<Source> {

		@Override
		public void serialize(Source value, JsonGenerator g, SerializationContext ctxt) throws JacksonException {
			writeSource(value, g);
		}

	}

	private static final class RpcErrorSerializer extends ValueSerializer<RpcError> {

		@Override
		public void serialize(RpcError value, JsonGenerator g, SerializationContext ctxt) throws JacksonException {
			writeRpcError(value, g);
		}

	}

	private interface NodeReader<T> {

		T read(JsonNode node);

	}

	private static final class TreeDeserializer<T> extends ValueDeserializer<T> {

		private final Class<T> type;

		private final NodeReader<T> reader;

		TreeDeserializer(Class<T> type, NodeReader<T> reader) {
			this.type = type;
			this.reader = reader;
		}

		@Override
		public T deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
			JsonNode node = ctxt.readTree(p);
			try {
				return reader.read(node);
			}
			catch (IllegalArgumentException ex) {
				return ctxt.reportInputMismatch(type, "%s", ex.getMessage());
			}
		}

	}

}
