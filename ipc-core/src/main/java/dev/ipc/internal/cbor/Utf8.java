package dev.ipc.internal.cbor;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 for CBOR text strings: malformed input (overlong forms, encoded
 * surrogates, truncated sequences) is a {@link CborException}, never a replacement
 * character; ASCII takes a fast path that allocates nothing to check and one string to
 * decode.
 */
final class Utf8 {

	private Utf8() {
	}

	/** Decodes {@code length} bytes of {@code b} from {@code offset}. */
	static String decode(byte[] b, int offset, int length) throws CborException {
		if (isAscii(b, offset, length)) {
			return new String(b, offset, length, StandardCharsets.ISO_8859_1);
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(b, offset, length))
				.toString();
		}
		catch (CharacterCodingException ex) {
			throw new CborException("a text string is not valid UTF-8");
		}
	}

	/** Fails unless the bytes are strict UTF-8. */
	static void check(byte[] b, int offset, int length) throws CborException {
		if (!isAscii(b, offset, length)) {
			decode(b, offset, length);
		}
	}

	private static boolean isAscii(byte[] b, int offset, int length) {
		for (int i = offset, to = offset + length; i < to; i++) {
			if (b[i] < 0) {
				return false;
			}
		}
		return true;
	}

}
