package dev.ipc.crypto.noise;

import dev.ipc.session.SessionCodec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Serializes a {@link NoiseSession} exactly as the reference persists its
 * {@code NoiseCryptoProviderState} (serde_json, spec §4.5 and §4.13), so sessions can be
 * stored durably and read by either implementation:
 *
 * <pre>{"state":{"transport_cipher":"Aes256Gcm","send_key":[32 numbers],"receive_key":[32 numbers],
 * "send_nonce":n,"receive_nonce":n,"last_handshake_time":secs}}</pre>
 *
 * <p>
 * Compact, fields in that order, keys as arrays of numbers 0..255, the three u64 values
 * as unsigned JSON numbers. The decoder is as lenient as serde: any field order and
 * whitespace, unknown fields ignored, {@code transport_cipher} optional (default
 * {@code Aes256Gcm}); a missing, duplicated or out-of-range field is an
 * {@link IllegalArgumentException} whose message never contains key material. The
 * handshake hash is not persisted. A session negotiated with fragmentation (between Java
 * peers) adds a top-level {@code "ipc_fragment_limit":n} after {@code state}, which the
 * reference ignores; a session without it (an older or reference one) takes no fragments.
 *
 * <p>
 * The encoded bytes contain the keys: callers should zero them once written. Thread-safe
 * and stateless.
 */
public final class NoiseSessionCodec implements SessionCodec<NoiseSession> {

	private static final JsonFactory JSON = new JsonFactory();

	/**
	 * Top-level field (next to {@code state}) with {@link NoiseSession#fragmentLimit()},
	 * written only when positive; a session without it takes no fragments.
	 */
	static final String FRAGMENT_LIMIT = "ipc_fragment_limit";

	private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

	/** The session as reference-shaped JSON (UTF-8). */
	@Override
	public byte[] encode(NoiseSession session) {
		NoiseTransportState state = session.state();
		byte[] sendKey = state.sendKey();
		byte[] receiveKey = state.receiveKey();
		Out out = new Out();
		try {
			out.ascii("{\"state\":{\"transport_cipher\":\"")
				.ascii(state.transportCipher().wireName())
				.ascii("\",\"send_key\":");
			out.keyArray(sendKey);
			out.ascii(",\"receive_key\":");
			out.keyArray(receiveKey);
			out.ascii(",\"send_nonce\":")
				.ascii(Long.toUnsignedString(state.sendNonce()))
				.ascii(",\"receive_nonce\":")
				.ascii(Long.toUnsignedString(state.receiveNonce()))
				.ascii(",\"last_handshake_time\":")
				.ascii(Long.toUnsignedString(state.lastHandshakeTime()))
				.ascii("}");
			if (session.fragmentLimit() > 0) {
				// outside the reference's "state" (its decoder ignores unknown fields)
				out.ascii(",\"" + FRAGMENT_LIMIT + "\":").ascii(Integer.toString(session.fragmentLimit()));
			}
			out.ascii("}");
			return out.toByteArray();
		}
		finally {
			Arrays.fill(sendKey, (byte) 0);
			Arrays.fill(receiveKey, (byte) 0);
			out.wipe();
		}
	}

	/**
	 * Reads a session written by {@link #encode} or by the reference.
	 * @throws IllegalArgumentException if {@code json} is not a valid session
	 */
	@Override
	public NoiseSession decode(byte[] json) {
		byte @Nullable [] sendKey = null;
		byte @Nullable [] receiveKey = null;
		try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), json)) {
			expect(parser.nextToken() == JsonToken.START_OBJECT, "session must be a JSON object");
			Fields fields = null;
			int fragmentLimit = 0;
			for (JsonToken token = next(parser); token != JsonToken.END_OBJECT; token = next(parser)) {
				String name = parser.currentName();
				parser.nextToken();
				if ("state".equals(name)) {
					expect(fields == null, "duplicate field state");
					fields = readState(parser);
				}
				else if (FRAGMENT_LIMIT.equals(name)) {
					fragmentLimit = readFragmentLimit(parser);
				}
				else {
					parser.skipChildren();
				}
			}
			expect(parser.nextToken() == null, "trailing data after the session object");
			expect(fields != null, "missing field state");
			sendKey = fields.sendKey;
			receiveKey = fields.receiveKey;
			return new NoiseSession(new NoiseTransportState(fields.cipher, sendKey, receiveKey, fields.sendNonce,
					fields.receiveNonce, fields.lastHandshakeTime))
				.fragmentLimit(fragmentLimit);
		}
		catch (JacksonException e) {
			throw new IllegalArgumentException("session is not valid JSON: " + e.getOriginalMessage());
		}
		finally {
			if (sendKey != null) {
				Arrays.fill(sendKey, (byte) 0);
			}
			if (receiveKey != null) {
				Arrays.fill(receiveKey, (byte) 0);
			}
		}
	}

	private static final class Fields {

		TransportCipher cipher = TransportCipher.AES256_GCM;

		boolean cipherSeen;

		byte @Nullable [] sendKey;

		byte @Nullable [] receiveKey;

		@Nullable Long sendNonceValue;

		@Nullable Long receiveNonceValue;

		@Nullable Long timeValue;

		long sendNonce;

		long receiveNonce;

		long lastHandshakeTime;

	}

	private static Fields readState(JsonParser parser) {
		expect(parser.currentToken() == JsonToken.START_OBJECT, "state must be a JSON object");
		Fields f = new Fields();
		try {
			for (JsonToken token = next(parser); token != JsonToken.END_OBJECT; token = next(parser)) {
				String name = parser.currentName();
				parser.nextToken();
				switch (name == null ? "" : name) {
					case "transport_cipher" -> {
						expect(!f.cipherSeen, "duplicate field transport_cipher");
						expect(parser.currentToken() == JsonToken.VALUE_STRING, "transport_cipher must be a string");
						f.cipher = TransportCipher.fromWireName(parser.getString());
						f.cipherSeen = true;
					}
					case "send_key" -> {
						expect(f.sendKey == null, "duplicate field send_key");
						f.sendKey = readKey(parser, "send_key");
					}
					case "receive_key" -> {
						expect(f.receiveKey == null, "duplicate field receive_key");
						f.receiveKey = readKey(parser, "receive_key");
					}
					case "send_nonce" -> {
						expect(f.sendNonceValue == null, "duplicate field send_nonce");
						f.sendNonceValue = readU64(parser, "send_nonce");
					}
					case "receive_nonce" -> {
						expect(f.receiveNonceValue == null, "duplicate field receive_nonce");
						f.receiveNonceValue = readU64(parser, "receive_nonce");
					}
					case "last_handshake_time" -> {
						expect(f.timeValue == null, "duplicate field last_handshake_time");
						f.timeValue = readU64(parser, "last_handshake_time");
					}
					default -> parser.skipChildren();
				}
			}
			expect(f.sendKey != null, "missing field send_key");
			expect(f.receiveKey != null, "missing field receive_key");
			expect(f.sendNonceValue != null, "missing field send_nonce");
			expect(f.receiveNonceValue != null, "missing field receive_nonce");
			expect(f.timeValue != null, "missing field last_handshake_time");
			f.sendNonce = f.sendNonceValue;
			f.receiveNonce = f.receiveNonceValue;
			f.lastHandshakeTime = f.timeValue;
			return f;
		}
		catch (RuntimeException e) {
			if (f.sendKey != null) {
				Arrays.fill(f.sendKey, (byte) 0);
			}
			if (f.receiveKey != null) {
				Arrays.fill(f.receiveKey, (byte) 0);
			}
			throw e;
		}
	}

	/**
	 * A positive int, else 0 (an unreadable value means no fragments, never an error).
	 */
	private static int readFragmentLimit(JsonParser parser) {
		if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT) {
			parser.skipChildren();
			return 0;
		}
		BigInteger value = parser.getBigIntegerValue();
		return value.signum() > 0 && value.bitLength() < 32 ? value.intValue() : 0;
	}

	private static byte[] readKey(JsonParser parser, String name) {
		expect(parser.currentToken() == JsonToken.START_ARRAY, name + " must be an array of 32 numbers");
		byte[] key = new byte[NoiseTransportState.KEY_LENGTH];
		int count = 0;
		try {
			for (JsonToken token = next(parser); token != JsonToken.END_ARRAY; token = next(parser)) {
				expect(token == JsonToken.VALUE_NUMBER_INT, name + " elements must be integers 0..255");
				expect(count < key.length, name + " must have exactly 32 elements");
				BigInteger value = parser.getBigIntegerValue();
				expect(value.signum() >= 0 && value.bitLength() <= 8, name + " elements must be integers 0..255");
				key[count++] = (byte) value.intValue();
			}
			expect(count == key.length, name + " must have exactly 32 elements");
			return key;
		}
		catch (RuntimeException e) {
			Arrays.fill(key, (byte) 0);
			throw e;
		}
	}

	private static long readU64(JsonParser parser, String name) {
		expect(parser.currentToken() == JsonToken.VALUE_NUMBER_INT, name + " must be an unsigned integer");
		BigInteger value = parser.getBigIntegerValue();
		expect(value.signum() >= 0 && value.compareTo(U64_MAX) <= 0, name + " must be an unsigned 64-bit integer");
		return value.longValue();
	}

	private static JsonToken next(JsonParser parser) {
		JsonToken token = parser.nextToken();
		expect(token != null, "truncated session JSON");
		return token;
	}

	private static void expect(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException("invalid Noise session: " + message);
		}
	}

	/** A growable byte buffer that zeroes every buffer it discards. */
	private static final class Out {

		private byte[] buf = new byte[320];

		private int size;

		Out ascii(String text) {
			byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
			ensure(bytes.length);
			System.arraycopy(bytes, 0, buf, size, bytes.length);
			size += bytes.length;
			return this;
		}

		void keyArray(byte[] key) {
			ensure(1 + key.length * 4);
			buf[size++] = '[';
			for (int i = 0; i < key.length; i++) {
				if (i > 0) {
					buf[size++] = ',';
				}
				int v = key[i] & 0xff;
				if (v >= 100) {
					buf[size++] = (byte) ('0' + v / 100);
				}
				if (v >= 10) {
					buf[size++] = (byte) ('0' + (v / 10) % 10);
				}
				buf[size++] = (byte) ('0' + v % 10);
			}
			ensure(1);
			buf[size++] = ']';
		}

		private void ensure(int extra) {
			if (size + extra > buf.length) {
				byte[] bigger = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
				Arrays.fill(buf, (byte) 0);
				buf = bigger;
			}
		}

		byte[] toByteArray() {
			return Arrays.copyOf(buf, size);
		}

		void wipe() {
			Arrays.fill(buf, (byte) 0);
		}

	}

}
