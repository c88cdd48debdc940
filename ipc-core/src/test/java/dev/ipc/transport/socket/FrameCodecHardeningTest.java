package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.ipc.codec.IpcJsonModule;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * Hostile CBOR for the frame decoder: what no encoder writes but what would cost the host
 * CPU or memory.
 */
class FrameCodecHardeningTest {

	private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

	private static byte[] text(String s) {
		byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		if (utf8.length < 24) {
			out.write(0x60 | utf8.length);
		}
		else if (utf8.length < 256) {
			out.write(0x78);
			out.write(utf8.length);
		}
		else {
			out.write(0x79);
			out.write(utf8.length >>> 8);
			out.write(utf8.length);
		}
		out.writeBytes(utf8);
		return out.toByteArray();
	}

	/**
	 * {"Message": {"destination": TAG TAG ... "DesktopMain", "topic": null, "payload":
	 * h''}}
	 */
	private static byte[] tagChain(int tags) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(0xA1);
		out.writeBytes(text("Message"));
		out.write(0xA3);
		out.writeBytes(text("destination"));
		for (int i = 0; i < tags; i++) {
			out.write(0xC1); // tag 1
		}
		out.writeBytes(text("DesktopMain"));
		out.writeBytes(text("topic"));
		out.write(0xF6);
		out.writeBytes(text("payload"));
		out.write(0x40);
		return out.toByteArray();
	}

	@Test
	@Timeout(30)
	void aMegabyteOfChainedTagsIsRefusedBeforeParsing() {
		byte[] frame = tagChain(1_100_000);
		assertThatThrownBy(() -> FrameCodec.decode(frame, 0, frame.length)).isInstanceOf(FrameCodecException.class)
			.hasMessageContaining("CBOR tags are not accepted");
		// even a single tag: the protocol never uses them
		byte[] one = tagChain(1);
		assertThatThrownBy(() -> FrameCodec.decode(one, 0, one.length)).hasMessageContaining("CBOR tags");
	}

	@Test
	@Timeout(30)
	void deepNestingIsRefusedBeforeParsing() {
		int depth = 500_000;
		byte[] deepArrays = new byte[depth + 1];
		java.util.Arrays.fill(deepArrays, 0, depth, (byte) 0x81); // [[[[...]]]]
		deepArrays[depth] = 0x00;
		assertThatThrownBy(() -> FrameCodec.decode(deepArrays, 0, deepArrays.length))
			.hasMessageContaining("nested deeper than " + FrameCodec.MAX_DEPTH);
		byte[] deepIndefinite = new byte[2 * depth];
		java.util.Arrays.fill(deepIndefinite, 0, depth, (byte) 0x9F);
		java.util.Arrays.fill(deepIndefinite, depth, 2 * depth, (byte) 0xFF);
		assertThatThrownBy(() -> FrameCodec.decode(deepIndefinite, 0, deepIndefinite.length))
			.hasMessageContaining("nested deeper");
	}

	@Test
	void theScanAcceptsEverythingTheEncoderWritesAndLenientForms() throws Exception {
		for (Frame frame : List.of(new Frame.Hello(List.of(1), new Endpoint.Web(1, "d")),
				new Frame.Deliver(new Source.Web(1, "d", "https://x"), Endpoint.named("b"), "t", new byte[300]),
				new Frame.Welcome(1, Endpoint.named("h"), List.of(Endpoint.DESKTOP_MAIN, Endpoint.named("x"))))) {
			byte[] wire = FrameCodec.encode(frame);
			FrameCodec.scan(wire, 4, wire.length - 4);
		}
		// indefinite map, indefinite text chunks, payload as an array of integers
		byte[] lenient = HEX.parseHex("bf 67 4d 65 73 73 61 67 65 bf 6b 64 65 73 74 69 6e 61 74 69 6f 6e 7f 62 44 65 69"
				+ " 73 6b 74 6f 70 4d 61 69 6e ff 67 70 61 79 6c 6f 61 64 82 01 02 ff ff");
		Frame decoded = FrameCodec.decode(lenient, 0, lenient.length);
		assertThat(decoded).isEqualTo(new Frame.Message(Endpoint.DESKTOP_MAIN, null, new byte[] { 1, 2 }));
	}

	@Test
	void malformedHeadsAreRefusedByTheScan() {
		for (String hex : List.of("1c", "5f 01 ff", "7f 41 00 ff", "ff", "9b ff ff ff ff ff ff ff ff", "82 01",
				"7a 00 10 00 00 41", "a1 60", "01 02")) {
			byte[] body = HEX.parseHex(hex);
			assertThatThrownBy(() -> FrameCodec.scan(body, 0, body.length)).as(hex)
				.isInstanceOf(FrameCodecException.class);
		}
	}

	@Test
	void overlongEndpointFieldsAreRefusedOnDecode() {
		String big = "d".repeat(IpcJsonModule.MAX_FIELD_CHARS + 1);
		byte[] wire = FrameCodec.encode(new Frame.Hello(List.of(1), new Endpoint.Web(1, big)));
		assertThatThrownBy(() -> FrameCodec.decode(wire, 4, wire.length - 4)).isInstanceOf(FrameCodecException.class)
			.hasMessageContaining("document_id");
		byte[] deliver = FrameCodec
			.encode(new Frame.Deliver(new Source.Named("w", big), Endpoint.named("b"), null, new byte[1]));
		assertThatThrownBy(() -> FrameCodec.decode(deliver, 4, deliver.length - 4)).hasMessageContaining("user");
	}

	@Test
	void theEndpointCachesAreBoundedInBytesAndForgetADepartedPeer() throws Exception {
		FrameCodec.clearDecodeCaches();
		String doc = "d".repeat(IpcJsonModule.MAX_FIELD_CHARS);
		for (int i = 0; i < 20_000; i++) {
			Endpoint endpoint = new Endpoint.Web(i, doc);
			byte[] wire = FrameCodec.encode(new Frame.Hello(List.of(1), endpoint));
			FrameCodec.decode(wire, 4, wire.length - 4);
			FrameCodec.sourceBytes(Source.of(endpoint));
			assertThat(FrameCodec.cacheBytes()).isLessThanOrEqualTo(3 * FrameCodec.CACHE_MAX_BYTES);
		}
		FrameCodec.clearDecodeCaches();
		Endpoint peer = new Endpoint.Web(7, doc);
		byte[] wire = FrameCodec.encode(new Frame.Hello(List.of(1), peer));
		FrameCodec.decode(wire, 4, wire.length - 4);
		FrameCodec.sourceBytes(Source.of(peer));
		assertThat(FrameCodec.cacheBytes()).isPositive();
		FrameCodec.forget(peer, Source.of(peer));
		assertThat(FrameCodec.cacheBytes()).isZero();
	}

}
