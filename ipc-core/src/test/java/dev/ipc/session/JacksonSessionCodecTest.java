package dev.ipc.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.ipc.model.Endpoint;

class JacksonSessionCodecTest {

	/**
	 * A session shaped like the Noise provider's: keys as byte arrays, counters, a peer.
	 */
	public record KeyedSession(byte[] sendKey, long sendNonce, Endpoint peer) {
	}

	private final JacksonSessionCodec<TestSession> codec = new JacksonSessionCodec<>(TestSession.class);

	@Test
	void roundTripsARecordAsJsonInDeclarationOrder() {
		byte[] bytes = codec.encode(new TestSession("m", 7));
		assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("{\"marker\":\"m\",\"sendNonce\":7}");
		assertThat(codec.decode(bytes)).isEqualTo(new TestSession("m", 7));
	}

	@Test
	void encodesEndpointsInTheirWireForm() {
		JacksonSessionCodec<KeyedSession> keyed = new JacksonSessionCodec<>(KeyedSession.class);
		byte[] key = new byte[32];
		key[0] = 1;
		byte[] bytes = keyed.encode(new KeyedSession(key, 3, Endpoint.DESKTOP_MAIN));
		assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"peer\":\"DesktopMain\"");
		KeyedSession decoded = keyed.decode(bytes);
		assertThat(decoded.sendKey()).isEqualTo(key);
		assertThat(decoded.sendNonce()).isEqualTo(3);
		assertThat(decoded.peer()).isEqualTo(Endpoint.DESKTOP_MAIN);
	}

	@Test
	void decodingErrorsDoNotQuoteTheInput() {
		byte[] bad = "{\"marker\":\"m\",\"sendNonce\":\"KEYMATERIAL\"}".getBytes(StandardCharsets.UTF_8);
		assertThatIllegalArgumentException().isThrownBy(() -> codec.decode(bad))
			.withMessageContaining("TestSession")
			.withMessageNotContaining("KEYMATERIAL")
			.withNoCause();
		byte[] garbage = "KEYMATERIAL".getBytes(StandardCharsets.UTF_8);
		assertThatIllegalArgumentException().isThrownBy(() -> codec.decode(garbage))
			.withMessageNotContaining("KEYMATERIAL");
	}

	@Test
	void jsonNullIsNotASession() {
		assertThatIllegalArgumentException().isThrownBy(() -> codec.decode("null".getBytes(StandardCharsets.UTF_8)));
	}

}
