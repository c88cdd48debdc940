package dev.ipc.nativemessaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;

class BitwardenWrapperTest {

	@Test
	void encodesBitwardensWrapper() {
		byte[] json = BitwardenWrapper.encode(new Endpoint.BrowserBackground(HostId.OWN),
				new byte[] { 1, (byte) 255, 0 }, "RpcRequestMessage");
		assertThat(new String(json, StandardCharsets.UTF_8))
			.isEqualTo("{\"type\":\"bitwarden-ipc-message\",\"message\":"
					+ "{\"destination\":{\"BrowserBackground\":{\"id\":\"Own\"}},\"payload\":[1,255,0],"
					+ "\"topic\":\"RpcRequestMessage\"}}");
	}

	@Test
	void omitsAnAbsentTopic() {
		assertThat(
				new String(BitwardenWrapper.encode(Endpoint.DESKTOP_MAIN, new byte[0], null), StandardCharsets.UTF_8))
			.isEqualTo(
					"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[]}}");
	}

	@Test
	void decodesWhatTheExtensionSends() throws Exception {
		BitwardenWrapper.Decoded decoded = decode(
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[161,0,7],"
						+ "\"topic\":\"x\"}}");
		assertThat(decoded.destination()).isEqualTo(Endpoint.DESKTOP_MAIN);
		assertThat(decoded.payload()).containsExactly((byte) 161, (byte) 0, (byte) 7);
		assertThat(decoded.topic()).isEqualTo("x");
		assertThat(decode("{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopRenderer\","
				+ "\"payload\":[],\"topic\":null}}")
			.topic()).isNull();
	}

	@Test
	void refusesWhatIsNotAWellFormedIpcMessage() {
		for (String bad : new String[] { "not json", "[1]", "{\"type\":\"other\"}",
				"{\"type\":\"bitwarden-ipc-message\"}",
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"payload\":[]}}",
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"Nowhere\",\"payload\":[]}}",
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":\"AQI=\"}}",
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[256]}}",
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[-1]}}",
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[1.5]}}",
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[],"
						+ "\"topic\":3}}" }) {
			assertThatThrownBy(() -> decode(bad)).as(bad).isInstanceOf(BitwardenWrapper.NotAnIpcMessageException.class);
		}
	}

	private static BitwardenWrapper.Decoded decode(String json) throws Exception {
		return BitwardenWrapper.decode(json.getBytes(StandardCharsets.UTF_8));
	}

}
