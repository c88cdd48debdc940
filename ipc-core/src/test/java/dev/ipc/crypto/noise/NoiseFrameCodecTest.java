package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.ipc.crypto.noise.NoiseFrame.CryptoInvalidated;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeFinish;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Golden CBOR bytes (what serde + ciborium emit, spec §3), decoder leniency and
 * robustness.
 */
class NoiseFrameCodecTest {

	/** Hand-assembled expected bytes. */
	private static final class Cbor {

		private final ByteArrayOutputStream out = new ByteArrayOutputStream();

		Cbor raw(int... bytes) {
			for (int b : bytes) {
				out.write(b);
			}
			return this;
		}

		Cbor ascii(String s) {
			out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
			return this;
		}

		Cbor bytes(byte[] b) {
			out.writeBytes(b);
			return this;
		}

		/** Elements of an array of uints: 0x00-0x17 directly, else 0x18 xx. */
		Cbor uints(byte[] b) {
			for (byte x : b) {
				int v = x & 0xff;
				if (v < 24) {
					raw(v);
				}
				else {
					raw(0x18, v);
				}
			}
			return this;
		}

		byte[] build() {
			return out.toByteArray();
		}

	}

	private static byte[] sample(int length, int seed) {
		byte[] b = new byte[length];
		new Random(seed).nextBytes(b);
		b[0] = 5; // one small value and (very likely) many large ones
		return b;
	}

	private static byte[] p256Start(byte[] noise) {
		return new Cbor().raw(0xA1, 0x6E)
			.ascii("HandshakeStart")
			.raw(0xA2, 0x6B)
			.ascii("ciphersuite")
			.raw(0x78, 0x1B)
			.ascii("Noise_NN_P256_AESGCM_SHA256")
			.raw(0x6B)
			.ascii("noise_frame")
			.raw(0x98, 0x41)
			.uints(noise)
			.build();
	}

	private static void assertGolden(NoiseFrame frame, byte[] expected) throws NoiseFrameException {
		assertThat(HexFormat.of().formatHex(NoiseFrameCodec.encode(frame)))
			.isEqualTo(HexFormat.of().formatHex(expected));
		assertThat(NoiseFrameCodec.decode(expected)).isEqualTo(frame);
	}

	@Test
	void handshakeStartGolden() throws Exception {
		byte[] noise = sample(65, 1);
		assertGolden(new HandshakeStart(NoiseSuite.P256_AESGCM_SHA256, noise), p256Start(noise));

		byte[] x = sample(32, 2);
		assertGolden(new HandshakeStart(NoiseSuite.X25519_AESGCM_SHA256, x),
				new Cbor().raw(0xA1, 0x6E)
					.ascii("HandshakeStart")
					.raw(0xA2, 0x6B)
					.ascii("ciphersuite")
					.raw(0x78, 0x1C)
					.ascii("Noise_NN_25519_AESGCM_SHA256")
					.raw(0x6B)
					.ascii("noise_frame")
					.raw(0x98, 0x20)
					.uints(x)
					.build());
		assertGolden(new HandshakeStart(NoiseSuite.X25519_CHACHAPOLY_BLAKE2S, x),
				new Cbor().raw(0xA1, 0x6E)
					.ascii("HandshakeStart")
					.raw(0xA2, 0x6B)
					.ascii("ciphersuite")
					.raw(0x78, 0x21)
					.ascii("Noise_NN_25519_ChaChaPoly_BLAKE2s")
					.raw(0x6B)
					.ascii("noise_frame")
					.raw(0x98, 0x20)
					.uints(x)
					.build());
		assertGolden(new HandshakeStart(NoiseSuite.X25519_AESGCM_SHA256, new byte[] { 1, 2 }),
				new Cbor().raw(0xA1, 0x6E)
					.ascii("HandshakeStart")
					.raw(0xA2, 0x6B)
					.ascii("ciphersuite")
					.raw(0x78, 0x1C)
					.ascii("Noise_NN_25519_AESGCM_SHA256")
					.raw(0x6B)
					.ascii("noise_frame")
					.raw(0x82, 0x01, 0x02)
					.build());
	}

	@Test
	void handshakeFinishGolden() throws Exception {
		byte[] noise = sample(81, 3);
		assertGolden(new HandshakeFinish(noise),
				new Cbor().raw(0xA1, 0x6F).ascii("HandshakeFinish").raw(0x98, 0x51).uints(noise).build());
		byte[] x = sample(48, 4);
		assertGolden(new HandshakeFinish(x),
				new Cbor().raw(0xA1, 0x6F).ascii("HandshakeFinish").raw(0x98, 0x30).uints(x).build());
	}

	private static byte[] transport(int[] payloadHead, byte[] payload, int... nonce) {
		return new Cbor().raw(0xA1, 0x6E)
			.ascii("TransportFrame")
			.raw(0xA2, 0x67)
			.ascii("payload")
			.raw(payloadHead)
			.bytes(payload)
			.raw(0x65)
			.ascii("nonce")
			.raw(nonce)
			.build();
	}

	@Test
	void transportFrameGolden() throws Exception {
		byte[] p20 = sample(20, 5);
		assertGolden(new TransportFrame(p20, 1), transport(new int[] { 0x54 }, p20, 0x01));
		byte[] p24 = sample(24, 6);
		assertGolden(new TransportFrame(p24, 23), transport(new int[] { 0x58, 0x18 }, p24, 0x17));
		assertGolden(new TransportFrame(p24, 24), transport(new int[] { 0x58, 0x18 }, p24, 0x18, 0x18));
		assertGolden(new TransportFrame(p24, 255), transport(new int[] { 0x58, 0x18 }, p24, 0x18, 0xFF));
		assertGolden(new TransportFrame(p24, 256), transport(new int[] { 0x58, 0x18 }, p24, 0x19, 0x01, 0x00));
		assertGolden(new TransportFrame(p24, 65536),
				transport(new int[] { 0x58, 0x18 }, p24, 0x1A, 0x00, 0x01, 0x00, 0x00));
		assertGolden(new TransportFrame(p24, 1L << 32),
				transport(new int[] { 0x58, 0x18 }, p24, 0x1B, 0, 0, 0, 1, 0, 0, 0, 0));
		assertGolden(new TransportFrame(p24, -1L),
				transport(new int[] { 0x58, 0x18 }, p24, 0x1B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF));
		byte[] p256 = sample(256, 7);
		assertGolden(new TransportFrame(p256, 2), transport(new int[] { 0x59, 0x01, 0x00 }, p256, 0x02));
		byte[] max = sample(65535, 8);
		assertGolden(new TransportFrame(max, 3), transport(new int[] { 0x59, 0xFF, 0xFF }, max, 0x03));
		byte[] big = sample(65536, 9);
		assertGolden(new TransportFrame(big, 3), transport(new int[] { 0x5A, 0x00, 0x01, 0x00, 0x00 }, big, 0x03));
	}

	@Test
	void cryptoInvalidatedGolden() throws Exception {
		assertGolden(CryptoInvalidated.INSTANCE, new Cbor().raw(0x71).ascii("CryptoInvalidated").build());
	}

	@Test
	void decoderAcceptsWhatCiboriumAccepts() throws Exception {
		byte[] noise = sample(65, 10);
		HandshakeStart start = new HandshakeStart(NoiseSuite.P256_AESGCM_SHA256, noise);
		// byte string instead of an array
		assertThat(NoiseFrameCodec.decode(new Cbor().raw(0xA1, 0x6E)
			.ascii("HandshakeStart")
			.raw(0xA2, 0x6B)
			.ascii("ciphersuite")
			.raw(0x78, 0x1B)
			.ascii("Noise_NN_P256_AESGCM_SHA256")
			.raw(0x6B)
			.ascii("noise_frame")
			.raw(0x58, 0x41)
			.bytes(noise)
			.build())).isEqualTo(start);
		assertThat(
				NoiseFrameCodec.decode(new Cbor().raw(0xA1, 0x6F).ascii("HandshakeFinish").raw(0x43, 1, 2, 3).build()))
			.isEqualTo(new HandshakeFinish(new byte[] { 1, 2, 3 }));
		// array instead of a byte string, non-minimal heads, fields reversed
		assertThat(NoiseFrameCodec.decode(new Cbor().raw(0xA1, 0x6E)
			.ascii("TransportFrame")
			.raw(0xA2, 0x65)
			.ascii("nonce")
			.raw(0x19, 0x00, 0x07)
			.raw(0x67)
			.ascii("payload")
			.raw(0x98, 0x03, 0x18, 0x01, 0x02, 0x18, 0xFF)
			.build())).isEqualTo(new TransportFrame(new byte[] { 1, 2, (byte) 0xFF }, 7));
		// unknown keys with nested, tagged, indefinite-length and exotic values are
		// skipped
		assertThat(NoiseFrameCodec.decode(new Cbor().raw(0xA1, 0x6E)
			.ascii("HandshakeStart")
			.raw(0xA4)
			.raw(0x65)
			.ascii("extra")
			.raw(0x9F, 0x01, 0x20, 0xBF, 0x61, 0x61, 0xF6, 0xFF, 0x5F, 0x41, 0x00, 0xFF, 0x7F, 0x61, 0x7A, 0xFF, 0xF9,
					0x3C, 0x00, 0xFB, 0, 0, 0, 0, 0, 0, 0, 0, 0xF8, 0x20, 0xFF)
			.raw(0x6B)
			.ascii("ciphersuite")
			.raw(0x78, 0x1B)
			.ascii("Noise_NN_P256_AESGCM_SHA256")
			.raw(0x01)
			.raw(0xC1, 0x1A, 0, 0, 0, 0)
			.raw(0x6B)
			.ascii("noise_frame")
			.raw(0xC6, 0x98, 0x41)
			.uints(noise)
			.build())).isEqualTo(start);
		// tags before the frame and inside it; indefinite-length maps and arrays
		assertThat(NoiseFrameCodec.decode(new Cbor().raw(0xD9, 0xD9, 0xF7, 0xBF, 0x6F)
			.ascii("HandshakeFinish")
			.raw(0x9F, 0xC6, 0x01, 0x02, 0xFF, 0xFF)
			.build())).isEqualTo(new HandshakeFinish(new byte[] { 1, 2 }));
		assertThat(NoiseFrameCodec.decode(new Cbor().raw(0xC6, 0x71).ascii("CryptoInvalidated").build()))
			.isEqualTo(CryptoInvalidated.INSTANCE);
		// indefinite-length byte string payload
		assertThat(NoiseFrameCodec.decode(chunkedTransportFrame()))
			.isEqualTo(new TransportFrame(new byte[] { 1, 2, 3 }, 9));
	}

	/**
	 * A transport frame of nonce 9 whose payload 01 02 03 is an indefinite byte string.
	 */
	private static byte[] chunkedTransportFrame() {
		return new Cbor().raw(0xA1, 0x6E)
			.ascii("TransportFrame")
			.raw(0xA2, 0x67)
			.ascii("payload")
			.raw(0x5F, 0x41, 0x01, 0x42, 0x02, 0x03, 0xFF)
			.raw(0x65)
			.ascii("nonce")
			.raw(0x09)
			.build();
	}

	@Test
	void decoderRejectsInvalidFrames() {
		byte[] noise = sample(65, 11);
		byte[] good = p256Start(noise);
		List<byte[]> invalid = List.of(new byte[0], new Cbor().raw(0x63).ascii("Foo").build(),
				new Cbor().raw(0x6E).ascii("HandshakeStart").build(),
				new Cbor().raw(0xA1, 0x63).ascii("Foo").raw(0x01).build(),
				new Cbor().raw(0xA1, 0x71).ascii("CryptoInvalidated").raw(0xF6).build(),
				new Cbor().raw(0xA2, 0x6F)
					.ascii("HandshakeFinish")
					.raw(0x80, 0x6F)
					.ascii("HandshakeFinish")
					.raw(0x80)
					.build(),
				new Cbor().raw(0xA0).build(), new Cbor().raw(0x81, 0x01).build(),
				new Cbor().raw(0xA1, 0x01, 0x02).build(),
				new Cbor().raw(0xA1, 0x6F).ascii("HandshakeFinish").raw(0x81, 0x19, 0x01, 0x00).build(),
				new Cbor().raw(0xA1, 0x6F).ascii("HandshakeFinish").raw(0x81, 0x20).build(),
				new Cbor().raw(0xA1, 0x6F).ascii("HandshakeFinish").raw(0x61).ascii("a").build(),
				new Cbor().raw(0xA1, 0x6E)
					.ascii("HandshakeStart")
					.raw(0xA2, 0x6B)
					.ascii("ciphersuite")
					.raw(0x78, 0x1C)
					.ascii("Noise_NN_P256_AESGCM_SHA512")
					.raw(0x6B)
					.ascii("noise_frame")
					.raw(0x80)
					.build(),
				new Cbor().raw(0xA1, 0x6E)
					.ascii("HandshakeStart")
					.raw(0xA1, 0x6B)
					.ascii("noise_frame")
					.raw(0x80)
					.build(),
				new Cbor().raw(0xA1, 0x6E)
					.ascii("TransportFrame")
					.raw(0xA3, 0x67)
					.ascii("payload")
					.raw(0x40)
					.raw(0x65)
					.ascii("nonce")
					.raw(0x01)
					.raw(0x65)
					.ascii("nonce")
					.raw(0x02)
					.build(),
				new Cbor().raw(0xA1, 0x6E)
					.ascii("TransportFrame")
					.raw(0xA2, 0x67)
					.ascii("payload")
					.raw(0x40)
					.raw(0x65)
					.ascii("nonce")
					.raw(0x20)
					.build(),
				new Cbor().raw(0xA1, 0x6E).ascii("TransportFrame").raw(0x80).build(),
				new Cbor().raw(0x62, 0xC3, 0x28).build(), new Cbor().raw(0x1C).build(), new Cbor().raw(0xFF).build(),
				new Cbor().raw(0x3F).build(), new Cbor().raw(0x5F, 0x61, 0x61, 0xFF).build(),
				new Cbor().raw(0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).build(),
				new Cbor().raw(0x9B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).build(),
				new Cbor().raw(0xBA, 0x00, 0x01, 0x00, 0x00, 0x01).build(), new Cbor().bytes(good).raw(0x00).build());
		for (byte[] input : invalid) {
			assertThatThrownBy(() -> NoiseFrameCodec.decode(input)).as(HexFormat.of().formatHex(input))
				.isInstanceOf(NoiseFrameException.class);
		}
	}

	@Test
	void decoderBoundsSizeAndDepth() {
		byte[] deepArrays = new byte[100_000];
		Arrays.fill(deepArrays, (byte) 0x81);
		assertThatThrownBy(() -> NoiseFrameCodec.decode(deepArrays)).isInstanceOf(NoiseFrameException.class)
			.hasMessageContaining("nesting");
		byte[] deepTags = new byte[100_000];
		Arrays.fill(deepTags, (byte) 0xC6);
		assertThatThrownBy(() -> NoiseFrameCodec.decode(deepTags)).isInstanceOf(NoiseFrameException.class);
		byte[] huge = NoiseFrameCodec.encode(new TransportFrame(new byte[NoiseFrameCodec.MAX_FRAME_LENGTH], 1));
		assertThatThrownBy(() -> NoiseFrameCodec.decode(huge)).isInstanceOf(NoiseFrameException.class)
			.hasMessageContaining("limit");
	}

	@Test
	void errorMessagesDoNotEchoInput() {
		byte[] input = new Cbor().raw(0xA1, 0x6D).ascii("SECRETVARIANT").raw(0x01).build();
		assertThatThrownBy(() -> NoiseFrameCodec.decode(input)).isInstanceOf(NoiseFrameException.class)
			.hasMessageNotContaining("SECRET");
		byte[] suite = new Cbor().raw(0xA1, 0x6E)
			.ascii("HandshakeStart")
			.raw(0xA2, 0x6B)
			.ascii("ciphersuite")
			.raw(0x66)
			.ascii("SECRET")
			.raw(0x6B)
			.ascii("noise_frame")
			.raw(0x80)
			.build();
		assertThatThrownBy(() -> NoiseFrameCodec.decode(suite)).isInstanceOf(NoiseFrameException.class)
			.hasMessageContaining("cipher suite")
			.hasMessageNotContaining("SECRET");
	}

	private static List<byte[]> validFrames() {
		return List.of(p256Start(sample(65, 12)), NoiseFrameCodec.encode(new HandshakeFinish(sample(81, 13))),
				NoiseFrameCodec.encode(new TransportFrame(sample(40, 14), 300)),
				NoiseFrameCodec.encode(CryptoInvalidated.INSTANCE));
	}

	@Test
	void everyTruncationIsRejected() {
		for (byte[] frame : validFrames()) {
			for (int length = 0; length < frame.length; length++) {
				byte[] prefix = Arrays.copyOf(frame, length);
				assertThatThrownBy(() -> NoiseFrameCodec.decode(prefix)).as("prefix %d", length)
					.isInstanceOf(NoiseFrameException.class);
			}
		}
	}

	@Test
	void randomAndMutatedInputsOnlyEverThrowNoiseFrameException() {
		Random random = new Random(20260127L);
		int decoded = 0;
		for (int i = 0; i < 20_000; i++) {
			byte[] input = new byte[random.nextInt(80)];
			random.nextBytes(input);
			decoded += tryDecode(input);
		}
		List<byte[]> valid = validFrames();
		for (int i = 0; i < 20_000; i++) {
			byte[] input = mutate(valid.get(random.nextInt(valid.size())), random);
			decoded += tryDecode(input);
		}
		assertThat(decoded).isPositive(); // some mutations (e.g. of payload bytes) stay
											// valid
	}

	private static byte[] mutate(byte[] frame, Random random) {
		byte[] out = frame.clone();
		int edits = 1 + random.nextInt(4);
		for (int e = 0; e < edits && out.length > 0; e++) {
			int at = random.nextInt(out.length);
			switch (random.nextInt(4)) {
				case 0 -> out[at] = (byte) random.nextInt(256);
				case 1 -> out[at] ^= (byte) (1 << random.nextInt(8));
				case 2 -> out = concat(Arrays.copyOf(out, at), new byte[] { (byte) random.nextInt(256) },
						Arrays.copyOfRange(out, at, out.length));
				default -> out = concat(Arrays.copyOf(out, at), Arrays.copyOfRange(out, at + 1, out.length));
			}
		}
		return out;
	}

	private static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

	private static int tryDecode(byte[] input) {
		try {
			NoiseFrame frame = NoiseFrameCodec.decode(input);
			assertThat(NoiseFrameCodec.decode(NoiseFrameCodec.encode(frame))).isEqualTo(frame);
			return 1;
		}
		catch (NoiseFrameException expected) {
			return 0;
		}
		catch (Throwable t) {
			return fail("decode threw " + t + " for " + HexFormat.of().formatHex(input), t);
		}
	}

	@Test
	void framesHaveValueSemanticsAndNeverPrintBytes() {
		byte[] secret = HexFormat.of().parseHex("deadbeefcafebabe0011223344556677");
		TransportFrame frame = new TransportFrame(secret, -1L);
		assertThat(frame).isEqualTo(new TransportFrame(secret.clone(), -1L))
			.hasSameHashCodeAs(new TransportFrame(secret.clone(), -1L))
			.isNotEqualTo(new TransportFrame(secret, 1));
		assertThat(frame.toString()).isEqualTo("TransportFrame[payload=16 bytes, nonce=18446744073709551615]");
		HandshakeStart start = new HandshakeStart(NoiseSuite.DEFAULT, secret);
		HandshakeFinish finish = new HandshakeFinish(secret);
		assertThat(start).isEqualTo(new HandshakeStart(NoiseSuite.DEFAULT, secret.clone()))
			.isNotEqualTo(new HandshakeStart(NoiseSuite.P256_AESGCM_SHA256, secret));
		assertThat(finish).isEqualTo(new HandshakeFinish(secret.clone()))
			.hasSameHashCodeAs(new HandshakeFinish(secret.clone()));
		for (NoiseFrame f : List.of(frame, start, finish)) {
			assertThat(f.toString()).contains("16 bytes")
				.doesNotContainIgnoringCase("deadbeef")
				.doesNotContain(Arrays.toString(secret).substring(1, 10));
		}
		secret[0] = 0;
		assertThat(frame.payload()[0]).isEqualTo((byte) 0xDE); // copied in
		frame.payload()[1] = 0;
		assertThat(frame.payload()[1]).isEqualTo((byte) 0xAD); // copied out
	}

	@Test
	void aDecodedTransportFrameIsAViewOfItsCiphertext() throws Exception {
		byte[] ciphertext = sample(40, 15);
		byte[] wire = NoiseFrameCodec.encode(new TransportFrame(ciphertext, 5));
		TransportFrame decoded = (TransportFrame) NoiseFrameCodec.decode(wire);
		assertThat(decoded.payloadArray()).isSameAs(wire);
		assertThat(decoded.payloadOffset()).isEqualTo(NoiseFrameCodec.transportCiphertextOffset(ciphertext.length));
		assertThat(decoded.payloadLength()).isEqualTo(ciphertext.length);
		assertThat(decoded).isEqualTo(new TransportFrame(ciphertext, 5))
			.hasSameHashCodeAs(new TransportFrame(ciphertext, 5));
		// what it hands out is a copy; re-encoding reads the view
		decoded.payload()[0] ^= 1;
		assertThat(decoded.payload()).isEqualTo(ciphertext);
		assertThat(NoiseFrameCodec.encode(decoded)).isEqualTo(wire);
		// an indefinite-length payload is joined into its own array
		TransportFrame chunked = (TransportFrame) NoiseFrameCodec.decode(chunkedTransportFrame());
		assertThat(chunked.payloadOffset()).isZero();
		assertThat(chunked.payload()).containsExactly(1, 2, 3);
	}

}
