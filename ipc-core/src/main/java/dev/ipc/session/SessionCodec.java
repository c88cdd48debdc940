package dev.ipc.session;

/**
 * Turns a crypto provider's session into bytes and back, so that a durable
 * {@link dev.ipc.spi.SessionRepository} can store it (for example
 * {@link FileSessionRepository}).
 *
 * <p>
 * Contract, because session bytes hold key material:
 * <ul>
 * <li>{@link #encode} returns a new array that the caller owns from then on; the caller
 * may overwrite it with zeros once it no longer needs it, so the codec must not keep a
 * reference to it.</li>
 * <li>{@link #decode} must not keep a reference to, or modify, the array it is given; the
 * caller overwrites it with zeros after the call.</li>
 * <li>{@code decode(encode(s))} equals {@code s}. Both methods are thread-safe.</li>
 * <li>Failures throw an unchecked exception (any {@link RuntimeException}); its message
 * must not contain key material.</li>
 * </ul>
 *
 * @param <S> the session type
 * @see JacksonSessionCodec
 */
public interface SessionCodec<S> {

	/**
	 * The bytes of {@code session}, in a new array owned by the caller.
	 * @throws RuntimeException if the session cannot be encoded
	 */
	byte[] encode(S session);

	/**
	 * The session encoded in {@code bytes}; never {@code null}.
	 * @throws RuntimeException if the bytes are not a valid encoding
	 */
	S decode(byte[] bytes);

}
