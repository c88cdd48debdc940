package dev.ipc.crypto.noise;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import dev.ipc.crypto.noise.NoiseFrame.CryptoInvalidated;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeFinish;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeRefused;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.internal.cbor.CborException;
import dev.ipc.internal.cbor.CborReader;
import dev.ipc.internal.cbor.CborScan;
import dev.ipc.internal.cbor.CborWriter;

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
 * {@value #MAX_DEPTH}, checked by {@link CborScan} before anything is decoded), trailing
 * bytes are rejected, and every failure is a {@link NoiseFrameException}. A decoded
 * {@link TransportFrame}'s ciphertext is a view into the decoded array, not a copy.
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

	/**
	 * Java-only: a responder's refusal (authentication); see {@link HandshakeRefused}.
	 */
	private static final String HANDSHAKE_REFUSED = "HandshakeRefused";

	private static final byte[] K_HANDSHAKE_START = utf8(HANDSHAKE_START);

	private static final byte[] K_HANDSHAKE_FINISH = utf8(HANDSHAKE_FINISH);

	private static final byte[] K_TRANSPORT_FRAME = utf8(TRANSPORT_FRAME);

	private static final byte[] K_CRYPTO_INVALIDATED = utf8(CRYPTO_INVALIDATED);

	private static final byte[] K_HANDSHAKE_REFUSED = utf8(HANDSHAKE_REFUSED);

	private static final byte[] K_CIPHERSUITE = utf8("ciphersuite");

	private static final byte[] K_NOISE_FRAME = utf8("noise_frame");

	private static final byte[] K_EXTENSION = utf8(Features.START_KEY);

	private static final byte[] K_PAYLOAD = utf8("payload");

	private static final byte[] K_NONCE = utf8("nonce");

	private static final byte[] K_REASON = utf8("reason");

	/** {@code A1 6E "TransportFrame" A2 67 "payload"}: what precedes the ciphertext. */
	private static final byte[] TRANSPORT_HEAD = new CborWriter(32).head(CborWriter.MAP, 1)
		.text(TRANSPORT_FRAME)
		.head(CborWriter.MAP, 2)
		.text("payload")
		.toByteArray();

	/** {@code 65 "nonce"}: what precedes the nonce. */
	private static final byte[] TRANSPORT_NONCE = new CborWriter(8).text("nonce").toByteArray();

	private NoiseFrameCodec() {
	}

	// ------------------------------------------------------------------ encoding

	/** Encodes a frame exactly as the reference does. */
	public static byte[] encode(NoiseFrame frame) {
		if (frame instanceof TransportFrame transport) {
			int length = transport.payloadLength();
			byte[] out = transportShell(length, transport.nonce());
			System.arraycopy(transport.payloadArray(), transport.payloadOffset(), out,
					transportCiphertextOffset(length), length);
			return out;
		}
		CborWriter out = new CborWriter(128);
		if (frame instanceof CryptoInvalidated) {
			return out.text(CRYPTO_INVALIDATED).toByteArray();
		}
		out.head(CborWriter.MAP, 1);
		if (frame instanceof HandshakeStart start) {
			byte[] extension = start.extension();
			out.text(HANDSHAKE_START).head(CborWriter.MAP, (extension == null) ? 2 : 3);
			out.text("ciphersuite").text(start.protocolName());
			out.text("noise_frame").uintArray(start.noiseFrame());
			if (extension != null) {
				// a key the reference's decoder ignores (see Features)
				out.text(Features.START_KEY).bytes(extension, 0, extension.length);
			}
		}
		else if (frame instanceof HandshakeRefused refused) {
			out.text(HANDSHAKE_REFUSED).head(CborWriter.MAP, 1).text("reason").text(refused.reason());
		}
		else if (frame instanceof HandshakeFinish finish) {
			out.text(HANDSHAKE_FINISH).uintArray(finish.noiseFrame());
		}
		return out.toByteArray();
	}

	/**
	 * The encoded {@code TransportFrame} of a ciphertext of {@code ciphertextLength}
	 * bytes with {@code nonce}, complete but for the ciphertext, which belongs at
	 * {@link #transportCiphertextOffset(int)} (so it can be encrypted in place).
	 */
	static byte[] transportShell(int ciphertextLength, long nonce) {
		int at = transportCiphertextOffset(ciphertextLength);
		byte[] out = new byte[at + ciphertextLength + TRANSPORT_NONCE.length + CborWriter.headSize(nonce)];
		System.arraycopy(TRANSPORT_HEAD, 0, out, 0, TRANSPORT_HEAD.length);
		CborWriter.putHead(out, TRANSPORT_HEAD.length, CborWriter.BYTES, ciphertextLength);
		int pos = at + ciphertextLength;
		System.arraycopy(TRANSPORT_NONCE, 0, out, pos, TRANSPORT_NONCE.length);
		CborWriter.putHead(out, pos + TRANSPORT_NONCE.length, CborWriter.UNSIGNED, nonce);
		return out;
	}

	/** Where the ciphertext starts in {@link #transportShell(int, long)}. */
	static int transportCiphertextOffset(int ciphertextLength) {
		return TRANSPORT_HEAD.length + CborWriter.headSize(ciphertextLength);
	}

	// ------------------------------------------------------------------ decoding

	/**
	 * Decodes one frame that must span all of {@code bytes}; a {@link TransportFrame}'s
	 * ciphertext is a view into {@code bytes}.
	 * @throws NoiseFrameException if the input is not exactly one valid frame
	 */
	public static NoiseFrame decode(byte[] bytes) throws NoiseFrameException {
		if (bytes.length > MAX_FRAME_LENGTH) {
			throw new NoiseFrameException(
					"frame is " + bytes.length + " bytes, over the " + MAX_FRAME_LENGTH + "-byte limit");
		}
		try {
			CborScan.check(bytes, 0, bytes.length, MAX_DEPTH, true);
			CborReader in = new CborReader(bytes, 0, bytes.length, true, MAX_DEPTH);
			NoiseFrame frame = frame(in);
			in.expectEnd();
			return frame;
		}
		catch (CborException ex) {
			throw new NoiseFrameException(ex.getMessage());
		}
	}

	private static NoiseFrame frame(CborReader in) throws CborException, NoiseFrameException {
		if (in.peekMajor() == CborWriter.TEXT) {
			in.readTextView();
			if (in.viewEquals(K_CRYPTO_INVALIDATED)) {
				return CryptoInvalidated.INSTANCE;
			}
			boolean known = in.viewEquals(K_HANDSHAKE_START) || in.viewEquals(K_HANDSHAKE_FINISH)
					|| in.viewEquals(K_TRANSPORT_FRAME) || in.viewEquals(K_HANDSHAKE_REFUSED);
			throw new NoiseFrameException(known ? "frame variant without its content" : "unknown frame variant");
		}
		if (in.peekMajor() != CborWriter.MAP) {
			throw notAVariant();
		}
		long entries = in.readContainer(CborWriter.MAP);
		if (!in.hasNext(entries) || in.peekMajor() != CborWriter.TEXT) {
			throw notAVariant();
		}
		in.readTextView();
		NoiseFrame frame;
		if (in.viewEquals(K_TRANSPORT_FRAME)) {
			frame = transport(in);
		}
		else if (in.viewEquals(K_HANDSHAKE_START)) {
			frame = start(in);
		}
		else if (in.viewEquals(K_HANDSHAKE_FINISH)) {
			frame = new HandshakeFinish(bytes(in, "HandshakeFinish"));
		}
		else if (in.viewEquals(K_HANDSHAKE_REFUSED)) {
			frame = refused(in);
		}
		else if (in.viewEquals(K_CRYPTO_INVALIDATED)) {
			throw new NoiseFrameException("CryptoInvalidated must be a bare text string");
		}
		else {
			throw new NoiseFrameException("unknown frame variant");
		}
		if (in.hasNext(entries - 1)) {
			throw notAVariant();
		}
		return frame;
	}

	private static NoiseFrameException notAVariant() {
		return new NoiseFrameException("frame is not an externally tagged variant (text or one-entry map)");
	}

	private static TransportFrame transport(CborReader in) throws CborException, NoiseFrameException {
		byte[] array = null;
		int offset = 0;
		int length = 0;
		long nonce = 0;
		boolean hasNonce = false;
		for (long left = struct(in, TRANSPORT_FRAME); in.hasNext(left); left--) {
			int key = in.readKey(K_PAYLOAD, K_NONCE);
			if (key == 0) {
				once(array != null, "payload");
				if (in.peekMajor() == CborWriter.BYTES) {
					in.readBytesView();
					array = in.viewArray();
					offset = in.viewOffset();
					length = in.viewLength();
				}
				else {
					array = bytes(in, "payload");
					length = array.length;
				}
			}
			else if (key == 1) {
				once(hasNonce, "nonce");
				expect(in, CborWriter.UNSIGNED, "TransportFrame.nonce must be an unsigned integer");
				nonce = in.readUnsigned();
				hasNonce = true;
			}
			else {
				in.skip();
			}
		}
		if (!hasNonce) {
			throw new NoiseFrameException("missing field nonce");
		}
		return TransportFrame.view(required(array, "payload"), offset, length, nonce);
	}

	private static HandshakeStart start(CborReader in) throws CborException, NoiseFrameException {
		String name = null;
		byte[] noiseFrame = null;
		byte[] extension = null;
		boolean extensionInvalid = false;
		for (long left = struct(in, HANDSHAKE_START); in.hasNext(left); left--) {
			int key = in.readKey(K_CIPHERSUITE, K_NOISE_FRAME, K_EXTENSION);
			if (key == 0) {
				once(name != null, "ciphersuite");
				expect(in, CborWriter.TEXT, "HandshakeStart.ciphersuite must be text");
				name = in.readText();
			}
			else if (key == 1) {
				once(noiseFrame != null, "noise_frame");
				noiseFrame = bytes(in, "noise_frame");
			}
			else if (key == 2 && extension == null && !extensionInvalid && in.peekMajor() == CborWriter.BYTES) {
				in.readBytesView();
				extension = in.viewCopy();
			}
			else {
				// a repeated or mistyped extension is ignored, as unknown keys are
				extensionInvalid |= key == 2;
				in.skip();
			}
		}
		String suiteName = required(name, "ciphersuite");
		NoiseSuite ciphersuite;
		NoisePattern pattern;
		try {
			pattern = patternOf(suiteName);
			ciphersuite = NoiseSuite.fromProtocolName((pattern == NoisePattern.NN) ? suiteName
					: "Noise_NN_" + suiteName.substring(pattern.name().length() + 7));
		}
		catch (IllegalArgumentException | IndexOutOfBoundsException ex) {
			throw new NoiseFrameException("HandshakeStart names an unknown cipher suite");
		}
		return new HandshakeStart(ciphersuite, required(noiseFrame, "noise_frame"), pattern,
				extensionInvalid ? null : extension);
	}

	private static HandshakeRefused refused(CborReader in) throws CborException, NoiseFrameException {
		String reason = null;
		for (long left = struct(in, HANDSHAKE_REFUSED); in.hasNext(left); left--) {
			if (in.readKey(K_REASON) == 0) {
				once(reason != null, "reason");
				expect(in, CborWriter.TEXT, "HandshakeRefused.reason must be text");
				reason = in.readText();
			}
			else {
				in.skip();
			}
		}
		return new HandshakeRefused(required(reason, "reason"));
	}

	/** Reads the head of a variant's struct content. */
	private static long struct(CborReader in, String variant) throws CborException, NoiseFrameException {
		if (in.peekMajor() != CborWriter.MAP) {
			throw new NoiseFrameException(variant + " content must be a map");
		}
		return in.readContainer(CborWriter.MAP);
	}

	/** Fails with {@code message} unless the next item is of {@code major} type. */
	private static void expect(CborReader in, int major, String message) throws CborException, NoiseFrameException {
		if (in.peekMajor() != major) {
			throw new NoiseFrameException(message);
		}
	}

	private static void once(boolean seen, String name) throws NoiseFrameException {
		if (seen) {
			throw new NoiseFrameException("duplicate field " + name);
		}
	}

	private static <T> T required(@Nullable T value, String name) throws NoiseFrameException {
		if (value == null) {
			throw new NoiseFrameException("missing field " + name);
		}
		return value;
	}

	/** A byte string, or an array of unsigned integers 0..255, copied. */
	private static byte[] bytes(CborReader in, String name) throws CborException, NoiseFrameException {
		int major = in.peekMajor();
		if (major == CborWriter.BYTES) {
			in.readBytesView();
			return in.viewCopy();
		}
		if (major != CborWriter.ARRAY) {
			throw new NoiseFrameException(name + " must be a byte string or an array of integers");
		}
		long left = in.readContainer(CborWriter.ARRAY);
		byte[] out = new byte[(left >= 0) ? (int) left : 64];
		int n = 0;
		for (; in.hasNext(left); left--) {
			if (in.peekMajor() != CborWriter.UNSIGNED) {
				throw new NoiseFrameException(name + " array element " + n + " is not an integer 0..255");
			}
			long value = in.readUnsigned();
			if (Long.compareUnsigned(value, 0xFF) > 0) {
				throw new NoiseFrameException(name + " array element " + n + " is not an integer 0..255");
			}
			if (n == out.length) {
				out = java.util.Arrays.copyOf(out, 2 * n);
			}
			out[n++] = (byte) value;
		}
		return (n == out.length) ? out : java.util.Arrays.copyOf(out, n);
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

	private static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

}
