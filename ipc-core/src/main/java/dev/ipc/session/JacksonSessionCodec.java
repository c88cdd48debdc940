package dev.ipc.session;

import java.util.Objects;

import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.json.JsonMapper;

import dev.ipc.codec.PayloadCodec;

/**
 * A {@link SessionCodec} that writes a session as UTF-8 JSON with a Jackson 3
 * {@link JsonMapper}, for tests and simple session types (records, beans, maps).
 *
 * <p>
 * The default mapper is {@link PayloadCodec#defaultMapperBuilder()}: properties in
 * declaration order, unknown properties ignored, and {@link dev.ipc.codec.IpcJsonModule}
 * registered so that sessions may contain {@link dev.ipc.model.Endpoint}s. Encoding
 * failures are Jackson's unchecked {@link JacksonException}s, decoding failures
 * {@link IllegalArgumentException}s.
 *
 * @param <S> the session type
 */
public final class JacksonSessionCodec<S> implements SessionCodec<S> {

	private final JsonMapper mapper;

	private final Class<S> type;

	/** A codec for {@code type} with the default mapper. */
	public JacksonSessionCodec(Class<S> type) {
		this(PayloadCodec.defaultMapperBuilder().build(), type);
	}

	/** A codec for {@code type} with {@code mapper}. */
	public JacksonSessionCodec(JsonMapper mapper, Class<S> type) {
		this.mapper = Objects.requireNonNull(mapper, "mapper");
		this.type = Objects.requireNonNull(type, "type");
	}

	@Override
	public byte[] encode(S session) {
		return mapper.writeValueAsBytes(Objects.requireNonNull(session, "session"));
	}

	/**
	 * {@inheritDoc}
	 * @throws IllegalArgumentException if the bytes are not JSON of the session type. The
	 * message names the problem's type and location only, and the parser's exception is
	 * not attached: its message may quote the input, which holds key material.
	 */
	@Override
	public S decode(byte[] bytes) {
		Objects.requireNonNull(bytes, "bytes");
		S session;
		try {
			session = mapper.readValue(bytes, type);
		}
		catch (JacksonException ex) {
			TokenStreamLocation location = ex.getLocation();
			throw new IllegalArgumentException(
					"Cannot decode a " + type.getSimpleName() + " session from JSON (" + ex.getClass().getSimpleName()
							+ ((location == null) ? "" : " at offset " + location.getByteOffset()) + ")");
		}
		if (session == null) {
			throw new IllegalArgumentException(
					"The session bytes decode to null (JSON null), not a " + type.getSimpleName());
		}
		return session;
	}

	@Override
	public String toString() {
		return "JacksonSessionCodec[" + type.getName() + "]";
	}

}
