package dev.ipc.codec;

import java.lang.reflect.Type;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Encodes application payloads as compact UTF-8 JSON, the format every Bitwarden peer
 * uses (spec §3), with a Jackson 3 {@link JsonMapper}.
 *
 * <p>
 * {@link #defaults()} matches serde's behaviour: properties in declaration order (Jackson
 * 3 sorts them alphabetically by default), unknown properties ignored.
 * {@link #of(JsonMapper)} adopts an application's mapper (for example Spring Boot's) and
 * adds {@link IpcJsonModule} to it. Failures are {@link PayloadCodecException}s.
 */
public final class PayloadCodec {

	private final JsonMapper mapper;

	private PayloadCodec(JsonMapper mapper) {
		this.mapper = mapper;
	}

	/** A codec with our default mapper. */
	public static PayloadCodec defaults() {
		return new PayloadCodec(defaultMapperBuilder().build());
	}

	/**
	 * A builder for the default mapper, to customise further. Besides serde's conventions
	 * it is tuned for many small messages: buffers are recycled per thread (Jackson 3's
	 * default pool is a shared lock-free deque, measurably slower for small documents)
	 * and trailing tokens are not checked (the envelope or payload is always one value).
	 */
	public static JsonMapper.Builder defaultMapperBuilder() {
		JsonFactory factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.threadLocalPool()).build();
		return JsonMapper.builder(factory)
			.disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
			.addModule(new IpcJsonModule());
	}

	/** A codec using {@code mapper} with {@link IpcJsonModule} added. */
	public static PayloadCodec of(JsonMapper mapper) {
		Objects.requireNonNull(mapper, "mapper");
		return new PayloadCodec(mapper.rebuild().addModule(new IpcJsonModule()).build());
	}

	/** The mapper in use. */
	public JsonMapper mapper() {
		return mapper;
	}

	/**
	 * JSON bytes of {@code value}.
	 * @throws PayloadCodecException if the value cannot be serialized
	 */
	public byte[] encode(@Nullable Object value) {
		try {
			return mapper.writeValueAsBytes(value);
		}
		catch (JacksonException ex) {
			throw new PayloadCodecException("Cannot serialize " + typeName(value) + ": " + ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Decodes {@code json} as {@code type}.
	 * @throws PayloadCodecException if the bytes are not valid JSON for that type
	 */
	public <T> T decode(byte[] json, Class<T> type) {
		return decode(json, (Type) type);
	}

	/**
	 * Decodes {@code json} as a (possibly generic) {@code type}.
	 * @throws PayloadCodecException if the bytes are not valid JSON for that type
	 */
	@SuppressWarnings("unchecked")
	public <T> T decode(byte[] json, Type type) {
		try {
			return (T) mapper.readValue(json, javaType(type));
		}
		catch (JacksonException ex) {
			throw new PayloadCodecException(ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Decodes the {@code length} bytes of {@code json} from {@code offset} as a (possibly
	 * generic) {@code type}.
	 * @throws PayloadCodecException if the bytes are not valid JSON for that type
	 */
	@SuppressWarnings("unchecked")
	public <T> T decode(byte[] json, int offset, int length, Type type) {
		try {
			return (T) mapper.readValue(json, offset, length, javaType(type));
		}
		catch (JacksonException ex) {
			throw new PayloadCodecException(ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Parses {@code json} into a tree.
	 * @throws PayloadCodecException if the bytes are not valid JSON
	 */
	public JsonNode readTree(byte[] json) {
		try {
			return mapper.readTree(json);
		}
		catch (JacksonException ex) {
			throw new PayloadCodecException(ex.getOriginalMessage(), ex);
		}
	}

	/**
	 * Binds a tree to {@code type}.
	 * @throws PayloadCodecException if the tree does not fit the type
	 */
	@SuppressWarnings("unchecked")
	public <T> T convert(JsonNode node, Type type) {
		try {
			return (T) mapper.treeToValue(node, javaType(type));
		}
		catch (JacksonException ex) {
			throw new PayloadCodecException(ex.getOriginalMessage(), ex);
		}
	}

	/** Jackson's view of {@code type}. */
	public JavaType javaType(Type type) {
		return mapper.constructType(type);
	}

	private static String typeName(@Nullable Object value) {
		return (value == null) ? "null" : value.getClass().getName();
	}

}
