package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.text;
import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reference's persisted session shape (spec §4.5, §4.13). */
class NoiseSessionCodecTest {

	private final NoiseSessionCodec codec = new NoiseSessionCodec();

	private static byte[] key(int start) {
		byte[] key = new byte[32];
		for (int i = 0; i < key.length; i++) {
			key[i] = (byte) (start + i * 8);
		}
		return key;
	}

	private static String json(byte[] key) {
		return IntStream.range(0, key.length)
			.mapToObj(i -> Integer.toString(key[i] & 0xff))
			.collect(Collectors.joining(",", "[", "]"));
	}

	@Test
	void encodesExactlyTheReferenceShape() {
		byte[] send = key(0);
		byte[] receive = key(7);
		NoiseSession session = new NoiseSession(
				new NoiseTransportState(TransportCipher.AES256_GCM, send, receive, 3, -1L, 1_760_000_000L),
				new byte[32]);

		String expected = "{\"state\":{\"transport_cipher\":\"Aes256Gcm\",\"send_key\":" + json(send)
				+ ",\"receive_key\":" + json(receive) + ",\"send_nonce\":3,\"receive_nonce\":18446744073709551615"
				+ ",\"last_handshake_time\":1760000000}}";
		assertThat(text(codec.encode(session))).isEqualTo(expected);
		assertThat(json(send)).startsWith("[0,8,16,").endsWith(",248]");
	}

	@Test
	void roundTripsBothCiphersAndUnsignedValues() {
		for (TransportCipher cipher : TransportCipher.values()) {
			NoiseSession original = new NoiseSession(
					new NoiseTransportState(cipher, key(1), key(2), Long.MIN_VALUE, 0, -2L));
			NoiseSession copy = codec.decode(codec.encode(original));
			NoiseTransportState a = original.state();
			NoiseTransportState b = copy.state();
			assertThat(b.transportCipher()).isEqualTo(cipher);
			assertThat(b.sendKey()).isEqualTo(a.sendKey());
			assertThat(b.receiveKey()).isEqualTo(a.receiveKey());
			assertThat(b.sendNonce()).isEqualTo(Long.MIN_VALUE);
			assertThat(Long.toUnsignedString(b.sendNonce())).isEqualTo("9223372036854775808");
			assertThat(b.receiveNonce()).isZero();
			assertThat(b.lastHandshakeTime()).isEqualTo(-2L);
			assertThat(copy.handshakeHash()).isEmpty(); // not part of the persisted shape
		}
		assertThat(text(codec.encode(
				new NoiseSession(new NoiseTransportState(TransportCipher.CHACHA20_POLY1305, key(0), key(0), 0, 0, 0)))))
			.contains("\"transport_cipher\":\"ChaCha20Poly1305\"");
	}

	@Test
	void decodesLikeSerdeAnyOrderWhitespaceUnknownFieldsAndDefaultCipher() {
		String json = " { \"extra\" : [1, {\"a\": null}], \"state\" : { \"last_handshake_time\" : 5 ,"
				+ " \"receive_nonce\": 2, \"send_nonce\": 1, \"unknown\": \"x\", \"receive_key\": " + json(key(3))
				+ ", \"send_key\": " + json(key(4)) + " } } ";
		NoiseTransportState state = codec.decode(utf8(json)).state();
		assertThat(state.transportCipher()).isEqualTo(TransportCipher.AES256_GCM);
		assertThat(state.sendKey()).isEqualTo(key(4));
		assertThat(state.receiveKey()).isEqualTo(key(3));
		assertThat(state.sendNonce()).isEqualTo(1);
		assertThat(state.receiveNonce()).isEqualTo(2);
		assertThat(state.lastHandshakeTime()).isEqualTo(5);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "[]", "{}", "{\"state\":null}",
			"{\"state\":{\"send_key\":KEY,\"receive_key\":KEY,\"send_nonce\":0,\"receive_nonce\":0}}",
			"{\"state\":{\"send_key\":KEY,\"receive_key\":KEY,\"send_nonce\":-1,\"receive_nonce\":0,\"last_handshake_time\":0}}",
			"{\"state\":{\"send_key\":KEY,\"receive_key\":KEY,\"send_nonce\":18446744073709551616,\"receive_nonce\":0,\"last_handshake_time\":0}}",
			"{\"state\":{\"send_key\":KEY,\"receive_key\":KEY,\"send_nonce\":1.5,\"receive_nonce\":0,\"last_handshake_time\":0}}",
			"{\"state\":{\"send_key\":[1,2,3],\"receive_key\":KEY,\"send_nonce\":0,\"receive_nonce\":0,\"last_handshake_time\":0}}",
			"{\"state\":{\"send_key\":KEY,\"receive_key\":[256,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],\"send_nonce\":0,\"receive_nonce\":0,\"last_handshake_time\":0}}",
			"{\"state\":{\"transport_cipher\":\"Rot13\",\"send_key\":KEY,\"receive_key\":KEY,\"send_nonce\":0,\"receive_nonce\":0,\"last_handshake_time\":0}}",
			"{\"state\":{\"send_key\":KEY,\"send_key\":KEY,\"receive_key\":KEY,\"send_nonce\":0,\"receive_nonce\":0,\"last_handshake_time\":0}}",
			"{\"state\":{\"send_key\":KEY,\"receive_key\":KEY,\"send_nonce\":0,\"receive_nonce\":0,\"last_handshake_time\":0}} x",
			"{\"state\":{\"send_key\":KEY,\"receive_key\":KEY,\"send_nonce\":0," })
	void rejectsInvalidSessionsWithoutEchoingKeyMaterial(String template) {
		String json = template.replace("KEY", json(key(9)));
		assertThatThrownBy(() -> codec.decode(utf8(json))).isInstanceOf(IllegalArgumentException.class)
			.satisfies(e -> assertThat(e.getMessage()).doesNotContain(json(key(9)).substring(1, 20)));
	}

	@Test
	void decodedKeysAreIndependentOfTheInput() {
		byte[] bytes = codec
			.encode(new NoiseSession(new NoiseTransportState(TransportCipher.AES256_GCM, key(1), key(2), 0, 0, 0)));
		NoiseSession session = codec.decode(bytes);
		Arrays.fill(bytes, (byte) ' ');
		assertThat(session.state().sendKey()).isEqualTo(key(1));
	}

}
