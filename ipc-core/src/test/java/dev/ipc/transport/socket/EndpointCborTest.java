package dev.ipc.transport.socket;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ipc.internal.cbor.CborReader;
import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;
import dev.ipc.model.Source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Endpoints and sources in CBOR: the bytes are those Jackson's CBOR mapper wrote with
 * {@code IpcJsonModule} (recorded from it before the frame codec moved to the core's own
 * CBOR toolkit), and decoding keeps the module's serde leniency.
 */
class EndpointCborTest {

	private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

	private static final List<Object> VALUES = List.of(new Endpoint.Web(-3, "doc-ü"), new Endpoint.Web(70000, "d"),
			new Endpoint.BrowserForeground(2), new Endpoint.BrowserBackground(HostId.id(7)),
			new Endpoint.BrowserBackground(HostId.OWN), Endpoint.DESKTOP_RENDERER, Endpoint.DESKTOP_MAIN,
			Endpoint.named("worker"), new Source.Web(1, "d", "https://x"), new Source.BrowserForeground(-200),
			new Source.BrowserBackground(HostId.id(300)), Source.DESKTOP_MAIN, new Source.Named("w"),
			new Source.Named("w", "bob"));

	private static final List<String> JACKSON_BYTES = List.of(
			"a1 63 57 65 62 a2 66 74 61 62 5f 69 64 22 6b 64 6f 63 75 6d 65 6e 74 5f 69 64 66 64 6f 63 2d c3 bc",
			"a1 63 57 65 62 a2 66 74 61 62 5f 69 64 1a 00 01 11 70 6b 64 6f 63 75 6d 65 6e 74 5f 69 64 61 64",
			"a1 71 42 72 6f 77 73 65 72 46 6f 72 65 67 72 6f 75 6e 64 a1 62 69 64 02",
			"a1 71 42 72 6f 77 73 65 72 42 61 63 6b 67 72 6f 75 6e 64 a1 62 69 64 a1 62 49 64 07",
			"a1 71 42 72 6f 77 73 65 72 42 61 63 6b 67 72 6f 75 6e 64 a1 62 69 64 63 4f 77 6e",
			"6f 44 65 73 6b 74 6f 70 52 65 6e 64 65 72 65 72", "6b 44 65 73 6b 74 6f 70 4d 61 69 6e",
			"a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 66 77 6f 72 6b 65 72",
			"a1 63 57 65 62 a3 66 74 61 62 5f 69 64 01 6b 64 6f 63 75 6d 65 6e 74 5f 69 64 61 64 66 6f 72 69 67 69 6e 69 68 74 74 70 73 3a 2f 2f 78",
			"a1 71 42 72 6f 77 73 65 72 46 6f 72 65 67 72 6f 75 6e 64 a1 62 69 64 38 c7",
			"a1 71 42 72 6f 77 73 65 72 42 61 63 6b 67 72 6f 75 6e 64 a1 62 69 64 a1 62 49 64 19 01 2c",
			"6b 44 65 73 6b 74 6f 70 4d 61 69 6e", "a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 61 77",
			"a1 65 4e 61 6d 65 64 a2 64 6e 61 6d 65 61 77 64 75 73 65 72 63 62 6f 62");

	private static Object read(String hex, boolean source) throws Exception {
		byte[] b = HEX.parseHex(hex);
		CborReader in = new CborReader(b, 0, b.length, false, 16);
		Object value = source ? EndpointCbor.readSource(in) : EndpointCbor.readEndpoint(in);
		in.expectEnd();
		return value;
	}

	@Test
	void encodesExactlyWhatJacksonWroteAndReadsItBack() throws Exception {
		for (int i = 0; i < VALUES.size(); i++) {
			Object value = VALUES.get(i);
			byte[] bytes = (value instanceof Endpoint e) ? FrameCodec.endpointBytes(e)
					: FrameCodec.sourceBytes((Source) value);
			assertThat(HEX.formatHex(bytes)).as(value.toString()).isEqualTo(JACKSON_BYTES.get(i));
			assertThat(read(JACKSON_BYTES.get(i), value instanceof Source)).isEqualTo(value);
		}
	}

	@Test
	void decodingIsLenientLikeTheJsonModule() throws Exception {
		// a unit variant as {"Name": null} or {"Name": anything}
		assertThat(read("a1 6b 44 65 73 6b 74 6f 70 4d 61 69 6e f6", false)).isEqualTo(Endpoint.DESKTOP_MAIN);
		assertThat(read("a1 6b 44 65 73 6b 74 6f 70 4d 61 69 6e a1 61 78 01", false)).isEqualTo(Endpoint.DESKTOP_MAIN);
		// fields reversed, an unknown field, indefinite maps, a repeated field's last
		// value
		assertThat(read("bf 63 57 65 62 bf 6b 64 6f 63 75 6d 65 6e 74 5f 69 64 61 64 61 7a 80 66 74 61 62 5f 69 64 01"
				+ " 66 74 61 62 5f 69 64 05 ff ff", false))
			.isEqualTo(new Endpoint.Web(5, "d"));
		// HostId Own in map form; a null user is no user
		assertThat(
				read("a1 71 42 72 6f 77 73 65 72 42 61 63 6b 67 72 6f 75 6e 64 a1 62 69 64 a1 63 4f 77 6e f6", false))
			.isEqualTo(new Endpoint.BrowserBackground(HostId.OWN));
		assertThat(read("a1 65 4e 61 6d 65 64 a2 64 6e 61 6d 65 61 77 64 75 73 65 72 f6", true))
			.isEqualTo(new Source.Named("w"));
	}

	@Test
	void refusesWhatTheJsonModuleRefuses() {
		for (String hex : List.of("63 46 6f 6f", // unknown variant
				"a0", // no variant
				"a2 6b 44 65 73 6b 74 6f 70 4d 61 69 6e f6 6b 44 65 73 6b 74 6f 70 4d 61 69 6e f6", // two
				"a1 63 57 65 62 f6", // Web without fields
				"a1 63 57 65 62 a1 66 74 61 62 5f 69 64 01", // Web without document_id
				"a1 63 57 65 62 a2 66 74 61 62 5f 69 64 1b 00 00 00 01 00 00 00 00 6b 64 6f 63 75 6d 65 6e 74 5f 69 64 61 64", // 33-bit
				"a1 63 57 65 62 a2 66 74 61 62 5f 69 64 61 31 6b 64 6f 63 75 6d 65 6e 74 5f 69 64 61 64", // text
																											// id
				"a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 60", // blank name
				"a1 65 4e 61 6d 65 64 a1 64 6e 61 6d 65 01", // numeric name
				"a1 71 42 72 6f 77 73 65 72 42 61 63 6b 67 72 6f 75 6e 64 a1 62 69 64 62 49 64", // "Id"
																									// bare
				"a1 71 42 72 6f 77 73 65 72 42 61 63 6b 67 72 6f 75 6e 64 a1 62 69 64 63 46 6f 6f", // bad
																									// HostId
				"01")) {
			assertThatThrownBy(() -> read(hex, false)).as(hex).isInstanceOf(FrameCodecException.class);
		}
	}

}
