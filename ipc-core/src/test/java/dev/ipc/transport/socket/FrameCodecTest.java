package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;
import dev.ipc.model.Source;

class FrameCodecTest {

	private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

	private static Frame roundTrip(Frame frame) throws FrameCodecException {
		byte[] wire = FrameCodec.encode(frame);
		int length = ((wire[0] & 0xFF) << 24) | ((wire[1] & 0xFF) << 16) | ((wire[2] & 0xFF) << 8) | (wire[3] & 0xFF);
		assertThat(length).isEqualTo(wire.length - 4);
		return FrameCodec.decode(wire, 4, length);
	}

	private static Frame decodeHex(String hex) throws FrameCodecException {
		byte[] body = HEX.parseHex(hex);
		return FrameCodec.decode(body, 0, body.length);
	}

	private static String bodyHex(Frame frame) {
		byte[] wire = FrameCodec.encode(frame);
		return HEX.formatHex(Arrays.copyOfRange(wire, 4, wire.length));
	}

	private static List<Frame> samples() {
		byte[] payload = "{\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
		return List.of(new Frame.Hello(List.of(1), Endpoint.named("worker")),
				new Frame.Hello(List.of(1, 2, 300), Endpoint.DESKTOP_MAIN),
				new Frame.Welcome(1, Endpoint.named("host"), List.of()),
				new Frame.Welcome(1, Endpoint.named("host"), List.of(Endpoint.named("a"), new Endpoint.Web(3, "doc"),
						new Endpoint.BrowserBackground(HostId.id(7)), new Endpoint.BrowserBackground(HostId.OWN),
						new Endpoint.BrowserForeground(2), Endpoint.DESKTOP_RENDERER)),
				new Frame.Rejected("EndpointInUse", "Named[name=worker] is already connected"),
				new Frame.Message(Endpoint.named("host"), "test.greeting", payload),
				new Frame.Message(Endpoint.DESKTOP_MAIN, null, new byte[0]),
				new Frame.Deliver(new Source.Named("worker", "alice"), Endpoint.named("host"), "t", payload),
				new Frame.Deliver(new Source.Named("worker"), Endpoint.named("b"), null, new byte[70_000]),
				new Frame.Deliver(new Source.Web(1, "d", "https://x"), Endpoint.DESKTOP_MAIN, "ü-topic", payload),
				new Frame.PeerJoined(Endpoint.named("a")), new Frame.PeerLeft(Endpoint.named("a")), Frame.PING,
				Frame.PONG);
	}

	@Test
	void everyFrameRoundTrips() throws Exception {
		for (Frame frame : samples()) {
			assertThat(roundTrip(frame)).as(frame.toString()).isEqualTo(frame);
		}
	}

	@Test
	void encodingMatchesTheDocumentedBytes() {
		assertThat(bodyHex(new Frame.Hello(List.of(1), Endpoint.named("worker")))).isEqualTo(
				"a1 65 48 65 6c 6c 6f a2 68 76 65 72 73 69 6f 6e 73 81 01 68 65 6e 64 70 6f 69 6e 74 a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 66 77 6f 72 6b 65 72");
		assertThat(bodyHex(new Frame.Welcome(1, Endpoint.named("host"), List.of(Endpoint.DESKTOP_MAIN)))).isEqualTo(
				"a1 67 57 65 6c 63 6f 6d 65 a3 67 76 65 72 73 69 6f 6e 01 64 68 6f 73 74 a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 64 68 6f 73 74 65 70 65 65 72 73 81 6b 44 65 73 6b 74 6f 70 4d 61 69 6e");
		assertThat(bodyHex(new Frame.Message(Endpoint.named("host"), "t", new byte[] { 1, 2, 3 }))).isEqualTo(
				"a1 67 4d 65 73 73 61 67 65 a3 6b 64 65 73 74 69 6e 61 74 69 6f 6e a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 64 68 6f 73 74 65 74 6f 70 69 63 61 74 67 70 61 79 6c 6f 61 64 43 01 02 03");
		assertThat(
				bodyHex(new Frame.Deliver(new Source.Named("w", "bob"), Endpoint.named("h"), null, new byte[] { 9 })))
			.isEqualTo(
					"a1 67 44 65 6c 69 76 65 72 a4 66 73 6f 75 72 63 65 a1 65 4e 61 6d 65 64 a2 64 6e 61 6d 65 61 77 64 75 73 65 72 63 62 6f 62 6b 64 65 73 74 69 6e 61 74 69 6f 6e a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 61 68 65 74 6f 70 69 63 f6 67 70 61 79 6c 6f 61 64 41 09");
		assertThat(bodyHex(Frame.PING)).isEqualTo("64 50 69 6e 67");
		assertThat(HEX.formatHex(FrameCodec.encode(Frame.PONG))).isEqualTo("00 00 00 05 64 50 6f 6e 67");
	}

	@Test
	void decodingIsLenientLikeSerde() throws Exception {
		// indefinite-length maps, fields out of order, an unknown field, payload as an
		// array of integers, no topic
		Frame frame = decodeHex(
				"bf 67 4d 65 73 73 61 67 65 bf 67 70 61 79 6c 6f 61 64 83 01 02 18 ff 65 65 78 74 72 61 "
						+ "f5 6b 64 65 73 74 69 6e 61 74 69 6f 6e 6b 44 65 73 6b 74 6f 70 4d 61 69 6e ff ff");
		assertThat(frame).isEqualTo(new Frame.Message(Endpoint.DESKTOP_MAIN, null, new byte[] { 1, 2, (byte) 0xFF }));
		// a unit variant in map form
		assertThat(decodeHex("a1 64 50 69 6e 67 f6")).isEqualTo(Frame.PING);
	}

	@Test
	void rejectsWhatIsNotAFrame() {
		List<String> bad = List.of("", "00", "f6", "a0", "a2 64 50 69 6e 67 f6 64 50 6f 6e 67 f6", "64 50 69 6e 67 00",
				"63 46 6f 6f", "a1 63 46 6f 6f a0", "a1 65 48 65 6c 6c 6f a0",
				"a1 65 48 65 6c 6c 6f a1 68 65 6e 64 70 6f 69 6e 74 63 42 61 64",
				"a1 67 4d 65 73 73 61 67 65 a1 67 70 61 79 6c 6f 61 64 41 01",
				"a1 67 4d 65 73 73 61 67 65 a2 6b 64 65 73 74 69 6e 61 74 69 6f 6e 6b 44 65 73 6b 74 6f 70 4d 61 69 6e 67 70 61 79 6c 6f 61 64 61 78",
				"a1 67 4d 65 73 73 61 67 65 a2 6b 64 65 73 74 69 6e 61 74 69 6f 6e 6b 44 65 73 6b 74 6f 70 4d 61 69 6e 67 70 61 79 6c 6f 61 64 5a 7f ff ff ff",
				"a1 67 4d 65 73 73 61 67 65 a2 6b 64 65 73 74 69 6e 61 74 69 6f 6e a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 60 67 70 61 79 6c 6f 61 64 40");
		for (String hex : bad) {
			assertThatThrownBy(() -> decodeHex(hex)).as(hex).isInstanceOf(FrameCodecException.class);
		}
	}

	@Test
	void randomBytesNeverThrowAnythingButACodecException() {
		Random random = new Random(20240611L);
		for (int i = 0; i < 6_000; i++) {
			byte[] bytes = new byte[random.nextInt(64)];
			random.nextBytes(bytes);
			if (bytes.length > 0 && random.nextBoolean()) {
				// make it look like a frame map more often
				bytes[0] = (byte) (random.nextBoolean() ? 0xA1 : 0xBF);
			}
			decodeCleanly(bytes);
		}
	}

	@Test
	void mutatedFramesNeverThrowAnythingButACodecException() {
		Random random = new Random(7L);
		List<byte[]> valid = new ArrayList<>();
		for (Frame frame : samples()) {
			byte[] wire = FrameCodec.encode(frame);
			if (wire.length < 4096) {
				valid.add(Arrays.copyOfRange(wire, 4, wire.length));
			}
		}
		int decoded = 0;
		for (int i = 0; i < 5_000; i++) {
			byte[] bytes = valid.get(random.nextInt(valid.size())).clone();
			int mutations = 1 + random.nextInt(4);
			for (int m = 0; m < mutations; m++) {
				switch (random.nextInt(5)) {
					case 0 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
					case 1 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
					case 2 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1)); // truncate
					case 3 -> { // duplicate a slice
						int from = random.nextInt(bytes.length + 1);
						int to = from + random.nextInt(bytes.length - from + 1);
						byte[] longer = Arrays.copyOf(bytes, bytes.length + (to - from));
						System.arraycopy(bytes, from, longer, bytes.length, to - from);
						bytes = longer;
					}
					default -> { // splice a huge length head into the middle
						if (bytes.length > 2) {
							int at = random.nextInt(bytes.length - 1);
							bytes[at] = (byte) (0x5A + random.nextInt(2) * 0x20); // byte/text
																					// string,
																					// 4-byte
																					// length
							bytes[at + 1] = (byte) 0x7F;
						}
					}
				}
				if (bytes.length == 0) {
					break;
				}
			}
			if (decodeCleanly(bytes)) {
				decoded++;
				assertCachedDecodingIsFaithful(bytes);
			}
		}
		// some mutations (e.g. in payload bytes) still decode; most do not
		assertThat(decoded).isPositive().isLessThan(5_000);
	}

	/**
	 * Endpoints and sources are cached by their bytes: a cached decoding must equal a
	 * fresh one.
	 */
	private static void assertCachedDecodingIsFaithful(byte[] bytes) {
		try {
			Frame cached = FrameCodec.decode(bytes, 0, bytes.length);
			FrameCodec.clearDecodeCaches();
			Frame fresh = FrameCodec.decode(bytes, 0, bytes.length);
			assertThat(cached).isEqualTo(fresh);
		}
		catch (FrameCodecException ex) {
			fail("decoded once, then failed: " + HEX.formatHex(bytes), ex);
		}
	}

	private static boolean decodeCleanly(byte[] bytes) {
		try {
			Frame frame = FrameCodec.decode(bytes, 0, bytes.length);
			assertThat(frame).isNotNull();
			return true;
		}
		catch (FrameCodecException expected) {
			return false;
		}
		catch (Throwable unexpected) {
			fail("decoding " + HEX.formatHex(bytes) + " threw " + unexpected, unexpected);
			return false;
		}
	}

	@Test
	void decodesFromAnOffsetWithoutReadingAround() throws Exception {
		byte[] body = Arrays.copyOfRange(FrameCodec.encode(Frame.PING), 4, 9);
		byte[] padded = new byte[body.length + 20];
		Arrays.fill(padded, (byte) 0xFF);
		System.arraycopy(body, 0, padded, 10, body.length);
		assertThat(FrameCodec.decode(padded, 10, body.length)).isEqualTo(Frame.PING);
	}

}
