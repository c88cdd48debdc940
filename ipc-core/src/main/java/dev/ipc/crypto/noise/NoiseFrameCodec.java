package dev.ipc.crypto.noise;

import dev.ipc.crypto.noise.NoiseFrame.CryptoInvalidated;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeFinish;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeRefused;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * CBOR encoding of {@link NoiseFrame}s, byte for byte what the reference (serde +
 * ciborium) produces, and a hardened decoder with ciborium's leniency.
 *
 * <p>
 * Encoding: an externally tagged enum with text keys, definite lengths and minimal
 * integer heads; {@code CryptoInvalidated} is the text {@code "CryptoInvalidated"};
 * {@code noise_frame} is an <em>array</em> of unsigned integers,
 * {@code TransportFrame.payload} a <em>byte string</em>.
 *
 * <p>
 * Decoding accepts either an array of integers 0..255 or a byte string for both byte
 * fields, skips tags, takes struct fields in any order, ignores unknown fields (any
 * well-formed value, including indefinite-length ones) and rejects unknown variants and
 * cipher suites. Input is bounded ({@link #MAX_FRAME_LENGTH} bytes, nesting depth
 * {@value #MAX_DEPTH}), trailing bytes are rejected, and every failure is a
 * {@link NoiseFrameException}.
 */
public final class NoiseFrameCodec {

	/** Largest encoded frame {@link #decode(byte[])} accepts (128 KiB). */
	public static final int MAX_FRAME_LENGTH = 128 * 1024;

	/** Deepest nesting of arrays, maps and tags {@link #decode(byte[])} accepts. */
	public static final int MAX_DEPTH = 16;

	private static final String HANDSHAKE_START = "HandshakeStart";

	private static final String HANDSHAKE_FINISH = "HandshakeFinish";

	private static final String TRANSPORT_FRAME = "TransportFrame";

	private static final String CRYPTO_INVALIDATED = "CryptoInvalidated";

	/** {@code A1 6E "TransportFrame" A2 67 "payload"}: what precedes the ciphertext. */
	private static final byte[] TRANSPORT_HEAD = ascii("\u00a1\u006eTransportFrame\u00a2\u0067payload");

	/** {@code 65 "nonce"}: what precedes the nonce. */
	private static final byte[] TRANSPORT_NONCE = ascii("\u0065nonce");

	/**
	 * Java-only: a responder's refusal (authentication); see {@link HandshakeRefused}.
	 */
	private static final String HANDSHAKE_REFUSED = "HandshakeRefused";

	private static final int UNSIGNED = 0;

	private static final int NEGATIVE = 1;

	private static final int BYTES = 2;

	private static final int TEXT = 3;

	private static final int ARRAY = 4;

	private static final int MAP = 5;

	private static final int TAG = 6;

	private static final int SIMPLE = 7;

	private static final int INDEFINITE = 31;

	private static final int BREAK = 0xff;

	/**
	 * Anything a frame never needs (negative integers, floats, simple values), kept only
	 * to be skipped.
	 */
	private static final Object OTHER = new Object();

	private NoiseFrameCodec() {
	}

	/** Encodes a frame exactly as the reference does. */
	public static byte[] encode(NoiseFrame frame) {
		if (frame instanceof TransportFrame transport) {
			return encodeTransport(transport.payloadView(), transport.nonce());
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		if (frame instanceof CryptoInvalidated) {
			writeText(out, CRYPTO_INVALIDATED);
			return out.toByteArray();
		}
		writeHead(out, MAP, 1);
		if (frame instanceof HandshakeStart start) {
			byte[] extension = start.extension();
			writeText(out, HANDSHAKE_START);
			writeHead(out, MAP, extension == null ? 2 : 3);
			writeText(out, "ciphersuite");
			writeText(out, start.protocolName());
			writeText(out, "noise_frame");
			writeUintArray(out, start.noiseFrame());
			if (extension != null) {
				// a key the reference's decoder ignores (see Features)
				writeText(out, Features.START_KEY);
				writeHead(out, BYTES, extension.length);
				out.writeBytes(extension);
			}
		}
		else if (frame instanceof HandshakeRefused refused) {
			writeText(out, HANDSHAKE_REFUSED);
			writeHead(out, MAP, 1);
			writeText(out, "reason");
			writeText(out, refused.reason());
		}
		else if (frame instanceof HandshakeFinish finish) {
			writeText(out, HANDSHAKE_FINISH);
			writeUintArray(out, finish.noiseFrame());
		}
		else if (frame instanceof TransportFrame transport) {
			byte[] payload = transport.payload();
			writeText(out, TRANSPORT_FRAME);
			writeHead(out, MAP, 2);
			writeText(out, "payload");
			writeHead(out, BYTES, payload.length);
			out.writeBytes(payload);
			writeText(out, "nonce");
			writeHead(out, UNSIGNED, transport.nonce());
		}
		return out.toByteArray();
	}

	/**
	 * A {@code TransportFrame}, written straight into an array of its exact size (the hot
	 * path: no growing buffer, no copy but the ciphertext's).
	 */
	private static byte[] encodeTransport(byte[] payload, long nonce) {
		byte[] out = transportShell(payload.length, nonce);
		System.arraycopy(payload, 0, out, transportCiphertextOffset(payload.length), payload.length);
		return out;
	}

	/**
	 * The encoded {@code TransportFrame} of a ciphertext of {@code ciphertextLength}
	 * bytes with {@code nonce}, complete but for the ciphertext, which belongs at
	 * {@link #transportCiphertextOffset(int)} (so it can be encrypted in place).
	 */
	static byte[] transportShell(int ciphertextLength, long nonce) {
		int at = transportCiphertextOffset(ciphertextLength);
		byte[] out = new byte[at + ciphertextLength + TRANSPORT_NONCE.length + headLength(nonce)];
		System.arraycopy(TRANSPORT_HEAD, 0, out, 0, TRANSPORT_HEAD.length);
		putHead(out, TRANSPORT_HEAD.length, BYTES, ciphertextLength);
		int pos = at + ciphertextLength;
		System.arraycopy(TRANSPORT_NONCE, 0, out, pos, TRANSPORT_NONCE.length);
		putHead(out, pos + TRANSPORT_NONCE.length, UNSIGNED, nonce);
		return out;
	}

	/** Where the ciphertext starts in {@link #transportShell(int, long)}. */
	static int transportCiphertextOffset(int ciphertextLength) {
		return TRANSPORT_HEAD.length + headLength(ciphertextLength);
	}

	/** The bytes of a head with the shortest encoding of {@code value}. */
	private static int headLength(long value) {
		if (Long.compareUnsigned(value, 24) < 0) {
			return 1;
		}
		if (Long.compareUnsigned(value, 0x100) < 0) {
			return 2;
		}
		if (Long.compareUnsigned(value, 0x1_0000) < 0) {
			return 3;
		}
		return Long.compareUnsigned(value, 0x1_0000_0000L) < 0 ? 5 : 9;
	}

	/** Writes the head at {@code pos}; returns the position after it. */
	private static int putHead(byte[] out, int pos, int major, long value) {
		int length = headLength(value);
		int type = major << 5;
		if (length == 1) {
			out[pos] = (byte) (type | (int) value);
			return pos + 1;
		}
		out[pos] = (byte) (type | switch (length) {
			case 2 -> 24;
			case 3 -> 25;
			case 5 -> 26;
			default -> 27;
		});
		for (int i = length - 1; i >= 1; i--) {
			out[pos + i] = (byte) value;
			value >>>= 8;
		}
		return pos + length;
	}

	/**
	 * Decodes one frame that must span all of {@code bytes}.
	 * @throws NoiseFrameException if the input is not exactly one valid frame
	 */
	public static NoiseFrame decode(byte[] bytes) throws NoiseFrameException {
		if (bytes.length > MAX_FRAME_LENGTH) {
			throw new NoiseFrameException(
					"frame is " + bytes.length + " bytes, over the " + MAX_FRAME_LENGTH + "-byte limit");
		}
		Reader reader = new Reader(bytes);
		Object root = reader.readItem(0);
		if (reader.pos != bytes.length) {
			throw new NoiseFrameException("trailing bytes after the frame at offset " + reader.pos);
		}
		if (root instanceof String variant) {
			if (variant.equals(CRYPTO_INVALIDATED)) {
				return CryptoInvalidated.INSTANCE;
			}
			throw new NoiseFrameException(
					isKnownVariant(variant) ? "frame variant without its content" : "unknown frame variant");
		}
		if (!(root instanceof CborMap map) || map.entries().size() != 1
				|| !(map.entries().get(0).key() instanceof String variant)) {
			throw new NoiseFrameException("frame is not an externally tagged variant (text or one-entry map)");
		}
		Object content = map.entries().get(0).value();
		switch (variant) {
			case HANDSHAKE_START: {
				CborMap fields = struct(content, HANDSHAKE_START);
				Object suite = field(fields, "ciphersuite");
				if (!(suite instanceof String name)) {
					throw new NoiseFrameException("HandshakeStart.ciphersuite must be text");
				}
				NoiseSuite ciphersuite;
				NoisePattern pattern;
				try {
					pattern = patternOf(name);
					ciphersuite = NoiseSuite.fromProtocolName(pattern == NoisePattern.NN ? name
							: "Noise_NN_" + name.substring(pattern.name().length() + 7));
				}
				catch (IllegalArgumentException e) {
					throw new NoiseFrameException("HandshakeStart names an unknown cipher suite");
				}
				return new HandshakeStart(ciphersuite, bytes(field(fields, "noise_frame"), "noise_frame"), pattern,
						extension(fields));
			}
			case HANDSHAKE_FINISH:
				return new HandshakeFinish(bytes(content, "HandshakeFinish"));
			case TRANSPORT_FRAME: {
				CborMap fields = struct(content, TRANSPORT_FRAME);
				byte[] payload = bytes(field(fields, "payload"), "payload");
				if (!(field(fields, "nonce") instanceof UInt nonce)) {
					throw new NoiseFrameException("TransportFrame.nonce must be an unsigned integer");
				}
				return new TransportFrame(payload, nonce.value());
			}
			case HANDSHAKE_REFUSED: {
				Object reason = field(struct(content, HANDSHAKE_REFUSED), "reason");
				if (!(reason instanceof String text)) {
					throw new NoiseFrameException("HandshakeRefused.reason must be text");
				}
				return new HandshakeRefused(text);
			}
			case CRYPTO_INVALIDATED:
				throw new NoiseFrameException("CryptoInvalidated must be a bare text string");
			default:
				throw new NoiseFrameException("unknown frame variant");
		}
	}

	private static byte[] ascii(String latin1) {
		return latin1.getBytes(StandardCharsets.ISO_8859_1);
	}

	/**
	 * The pattern of a protocol name {@code Noise_<pattern>_<dh>_<cipher>_<hash>}.
	 * @throws IllegalArgumentException if it names no pattern of {@link NoisePattern}
	 */
	private static NoisePattern patternOf(String protocolName) {
		if (!protocolName.startsWith("Noise_")) {
			throw new IllegalArgumentException("not a Noise protocol name");
		}
		int end = protocolName.indexOf('_', 6);
		if (end < 0) {
			throw new IllegalArgumentException("not a Noise protocol name");
		}
		return NoisePattern.fromName(protocolName.substring(6, end));
	}

	private static boolean isKnownVariant(String name) {
		return name.equals(HANDSHAKE_START) || name.equals(HANDSHAKE_FINISH) || name.equals(TRANSPORT_FRAME)
				|| name.equals(HANDSHAKE_REFUSED);
	}

	private static CborMap struct(Object content, String variant) throws NoiseFrameException {
		if (!(content instanceof CborMap map)) {
			throw new NoiseFrameException(variant + " content must be a map");
		}
		return map;
	}

	/**
	 * The value of a required field; unknown fields are ignored, a repeated field is an
	 * error.
	 */
	private static Object field(CborMap map, String name) throws NoiseFrameException {
		@Nullable Object found = null;
		for (Entry entry : map.entries()) {
			if (name.equals(entry.key())) {
				if (found != null) {
					throw new NoiseFrameException("duplicate field " + name);
				}
				found = entry.value();
			}
		}
		if (found == null) {
			throw new NoiseFrameException("missing field " + name);
		}
		return found;
	}

	/**
	 * The optional {@link Features#START_KEY} byte string of a {@code HandshakeStart};
	 * {@code null} when absent, repeated or not a byte string (ignored, as unknown keys
	 * are).
	 */
	private static byte @Nullable [] extension(CborMap map) {
		byte @Nullable [] found = null;
		for (Entry entry : map.entries()) {
			if (Features.START_KEY.equals(entry.key())) {
				if (found != null || !(entry.value() instanceof byte[] raw)) {
					return null;
				}
				found = raw;
			}
		}
		return found;
	}

	/** A byte string, or an array of unsigned integers 0..255. */
	private static byte[] bytes(Object value, String name) throws NoiseFrameException {
		if (value instanceof byte[] raw) {
			return raw;
		}
		if (value instanceof List<?> list) {
			byte[] out = new byte[list.size()];
			for (int i = 0; i < out.length; i++) {
				if (!(list.get(i) instanceof UInt element) || Long.compareUnsigned(element.value(), 0xff) > 0) {
					throw new NoiseFrameException(name + " array element " + i + " is not an integer 0..255");
				}
				out[i] = (byte) element.value();
			}
			return out;
		}
		throw new NoiseFrameException(name + " must be a byte string or an array of integers");
	}

	private static void writeUintArray(ByteArrayOutputStream out, byte[] values) {
		writeHead(out, ARRAY, values.length);
		for (byte value : values) {
			writeHead(out, UNSIGNED, value & 0xff);
		}
	}

	private static void writeText(ByteArrayOutputStream out, String text) {
		byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
		writeHead(out, TEXT, utf8.length);
		out.writeBytes(utf8);
	}

	/** A head with the shortest encoding of {@code value} (unsigned). */
	private static void writeHead(ByteArrayOutputStream out, int major, long value) {
		int type = major << 5;
		if (Long.compareUnsigned(value, 24) < 0) {
			out.write(type | (int) value);
		}
		else if (Long.compareUnsigned(value, 0x100) < 0) {
			out.write(type | 24);
			out.write((int) value);
		}
		else if (Long.compareUnsigned(value, 0x1_0000) < 0) {
			out.write(type | 25);
			out.writeBytes(ByteBuffer.allocate(2).putShort((short) value).array());
		}
		else if (Long.compareUnsigned(value, 0x1_0000_0000L) < 0) {
			out.write(type | 26);
			out.writeBytes(ByteBuffer.allocate(4).putInt((int) value).array());
		}
		else {
			out.write(type | 27);
			out.writeBytes(ByteBuffer.allocate(8).putLong(value).array());
		}
	}

	/** An unsigned integer (major type 0). */
	private record UInt(long value) {
	}

	private record Entry(Object key, Object value) {
	}

	private record CborMap(List<Entry> entries) {
	}

	/**
	 * Reads one data item into {@link UInt}, {@code byte[]}, {@link String},
	 * {@link List}, {@link CborMap} or {@link #OTHER}, skipping tags. Every length is
	 * checked against the remaining input before anything is allocated.
	 */
	private static final class Reader {

		private final byte[] in;

		private int pos;

		Reader(byte[] in) {
			this.in = in;
		}

		Object readItem(int depth) throws NoiseFrameException {
			return readItem(depth, readByte());
		}

		private Object readItem(int depth, int initial) throws NoiseFrameException {
			if (depth > MAX_DEPTH) {
				throw new NoiseFrameException("nesting deeper than " + MAX_DEPTH);
			}
			int major = initial >>> 5;
			int info = initial & 0x1f;
			if (info == INDEFINITE) {
				return readIndefinite(depth, major);
			}
			long argument = readArgument(info);
			switch (major) {
				case UNSIGNED:
					return new UInt(argument);
				case NEGATIVE:
					return OTHER;
				case BYTES:
					return take(argument);
				case TEXT:
					return utf8(take(argument));
				case ARRAY: {
					int count = count(argument, 1);
					List<Object> items = new ArrayList<>(count);
					for (int i = 0; i < count; i++) {
						items.add(readItem(depth + 1));
					}
					return items;
				}
				case MAP: {
					int count = count(argument, 2);
					List<Entry> entries = new ArrayList<>(count);
					for (int i = 0; i < count; i++) {
						entries.add(new Entry(readItem(depth + 1), readItem(depth + 1)));
					}
					return new CborMap(entries);
				}
				case TAG:
					return readItem(depth + 1);
				default: // SIMPLE: false, true, null, undefined, simple(n), floats
					return OTHER;
			}
		}

		private Object readIndefinite(int depth, int major) throws NoiseFrameException {
			switch (major) {
				case BYTES:
				case TEXT: {
					ByteArrayOutputStream chunks = new ByteArrayOutputStream();
					for (int next = readByte(); next != BREAK; next = readByte()) {
						if (next >>> 5 != major || (next & 0x1f) == INDEFINITE) {
							throw new NoiseFrameException("invalid chunk in an indefinite-length string");
						}
						chunks.writeBytes(take(readArgument(next & 0x1f)));
					}
					return major == BYTES ? chunks.toByteArray() : utf8(chunks.toByteArray());
				}
				case ARRAY: {
					List<Object> items = new ArrayList<>();
					for (int next = readByte(); next != BREAK; next = readByte()) {
						items.add(readItem(depth + 1, next));
					}
					return items;
				}
				case MAP: {
					List<Entry> entries = new ArrayList<>();
					for (int next = readByte(); next != BREAK; next = readByte()) {
						entries.add(new Entry(readItem(depth + 1, next), readItem(depth + 1)));
					}
					return new CborMap(entries);
				}
				default:
					throw new NoiseFrameException("unexpected break or indefinite length at offset " + (pos - 1));
			}
		}

		/** The head's argument for additional information 0..27; 28..30 are reserved. */
		private long readArgument(int info) throws NoiseFrameException {
			if (info < 24) {
				return info;
			}
			int size = switch (info) {
				case 24 -> 1;
				case 25 -> 2;
				case 26 -> 4;
				case 27 -> 8;
				default -> throw new NoiseFrameException("reserved additional information at offset " + (pos - 1));
			};
			long value = 0;
			for (int i = 0; i < size; i++) {
				value = (value << 8) | readByte();
			}
			return value;
		}

		/**
		 * An element count, bounded by what the remaining input could hold at
		 * {@code minSize} bytes each.
		 */
		private int count(long declared, int minSize) throws NoiseFrameException {
			if (Long.compareUnsigned(declared, (in.length - pos) / minSize) > 0) {
				throw new NoiseFrameException("length at offset " + pos + " exceeds the remaining input");
			}
			return (int) declared;
		}

		private byte[] take(long length) throws NoiseFrameException {
			int n = count(length, 1);
			byte[] out = new byte[n];
			System.arraycopy(in, pos, out, 0, n);
			pos += n;
			return out;
		}

		private int readByte() throws NoiseFrameException {
			if (pos >= in.length) {
				throw new NoiseFrameException("truncated frame at offset " + pos);
			}
			return in[pos++] & 0xff;
		}

		private static String utf8(byte[] bytes) throws NoiseFrameException {
			try {
				return StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(ByteBuffer.wrap(bytes))
					.toString();
			}
			catch (CharacterCodingException e) {
				throw new NoiseFrameException("text string is not valid UTF-8");
			}
		}

	}

}
