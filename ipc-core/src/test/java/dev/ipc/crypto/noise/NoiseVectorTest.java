package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replays the public Noise NN vectors (see {@code noise-vectors/README.md}) with fixed
 * ephemeral keys.
 */
class NoiseVectorTest {

	private static final HexFormat HEX = HexFormat.of();

	private static final List<String> FILES = List.of("cacophony.json", "snow.json", "snow-extended-p256.json",
			"noise-c-basic.json");

	private static final byte[] EMPTY = new byte[0];

	record Vector(String file, String protocol, JsonNode node) {
	}

	static List<Vector> allVectors() throws IOException {
		List<Vector> out = new ArrayList<>();
		JsonMapper mapper = JsonMapper.builder().build();
		for (String file : FILES) {
			try (InputStream in = NoiseVectorTest.class.getResourceAsStream("/noise-vectors/" + file)) {
				assertThat(in).as(file).isNotNull();
				for (JsonNode node : mapper.readTree(in).get("vectors")) {
					JsonNode name = node.has("protocol_name") ? node.get("protocol_name") : node.get("name");
					out.add(new Vector(file, name.asString(), node));
				}
			}
		}
		return out;
	}

	static List<Vector> runnable() throws IOException {
		return allVectors().stream().filter(v -> !v.protocol().contains("psk")).toList();
	}

	@Test
	void everyNonPskEntryIsReplayed() throws IOException {
		assertThat(allVectors()).hasSize(28);
		assertThat(runnable()).hasSize(14)
			.extracting(Vector::protocol)
			.allMatch(p -> p.startsWith("Noise_NN_25519_") || p.startsWith("Noise_NN_P256_XChaChaPoly_"));
	}

	@TestFactory
	Stream<DynamicTest> replay() throws IOException {
		return runnable().stream().map(v -> DynamicTest.dynamicTest(v.file() + " " + v.protocol(), () -> replay(v)));
	}

	private static void replay(Vector vector) throws Exception {
		JsonNode v = vector.node();
		NoisePrimitives primitives = primitives(vector.protocol());
		NoiseHandshake initiator = new NoiseHandshake(primitives, true, hex(v, "init_prologue"),
				keyPair(primitives, hex(v, "init_ephemeral")));
		NoiseHandshake responder = new NoiseHandshake(primitives, false, hex(v, "resp_prologue"),
				keyPair(primitives, hex(v, "resp_ephemeral")));
		JsonNode messages = v.get("messages");

		byte[] first = initiator.writeMessage(hex(messages.get(0), "payload"));
		assertThat(HEX.formatHex(first)).isEqualTo(messages.get(0).get("ciphertext").asString());
		assertThat(responder.readMessageWithPayload(first)).isEqualTo(hex(messages.get(0), "payload"));

		byte[] second = responder.writeMessage(hex(messages.get(1), "payload"));
		assertThat(HEX.formatHex(second)).isEqualTo(messages.get(1).get("ciphertext").asString());
		assertThat(initiator.readMessageWithPayload(second)).isEqualTo(hex(messages.get(1), "payload"));

		assertThat(initiator.handshakeHash()).isEqualTo(responder.handshakeHash());
		if (v.has("handshake_hash")) {
			assertThat(HEX.formatHex(initiator.handshakeHash())).isEqualTo(v.get("handshake_hash").asString());
		}

		NoiseSplit sent = initiator.split();
		NoiseSplit received = responder.split();
		assertThat(sent.i2r()).isEqualTo(received.i2r());
		assertThat(sent.r2i()).isEqualTo(received.r2i());
		long[] nonces = new long[2];
		for (int i = 2; i < messages.size(); i++) {
			int direction = i % 2;
			byte[] key = direction == 0 ? sent.i2r() : sent.r2i();
			byte[] payload = hex(messages.get(i), "payload");
			long nonce = nonces[direction]++;
			byte[] ciphertext = primitives.cipher().encrypt(key, nonce, EMPTY, payload);
			assertThat(HEX.formatHex(ciphertext)).as("message %d", i)
				.isEqualTo(messages.get(i).get("ciphertext").asString());
			byte[] peerKey = direction == 0 ? received.i2r() : received.r2i();
			assertThat(primitives.cipher().decrypt(peerKey, nonce, EMPTY, ciphertext)).isEqualTo(payload);
		}
		assertThat(nonces[0] + nonces[1]).isEqualTo(messages.size() - 2L);
	}

	@Test
	void flippedByteInMessageTwoFailsTheRead() throws Exception {
		for (Vector vector : runnable()) {
			JsonNode v = vector.node();
			NoisePrimitives primitives = primitives(vector.protocol());
			NoiseHandshake initiator = new NoiseHandshake(primitives, true, hex(v, "init_prologue"),
					keyPair(primitives, hex(v, "init_ephemeral")));
			initiator.writeMessage(hex(v.get("messages").get(0), "payload"));
			byte[] second = hex(v.get("messages").get(1), "ciphertext");
			second[second.length - 1] ^= 0x01;
			assertThatThrownBy(() -> initiator.readMessage(second)).as(vector.protocol())
				.isInstanceOf(NoiseProtocolException.class)
				.hasMessageContaining("authentication");
			assertThatThrownBy(() -> initiator.split()).isInstanceOf(IllegalStateException.class);
		}
	}

	@Test
	void wrongPrologueFailsTheRead() throws Exception {
		Vector vector = runnable().get(0);
		JsonNode v = vector.node();
		NoisePrimitives primitives = primitives(vector.protocol());
		NoiseHandshake initiator = new NoiseHandshake(primitives, true, "other".getBytes(),
				keyPair(primitives, hex(v, "init_ephemeral")));
		initiator.writeMessage(hex(v.get("messages").get(0), "payload"));
		assertThatThrownBy(() -> initiator.readMessage(hex(v.get("messages").get(1), "ciphertext")))
			.isInstanceOf(NoiseProtocolException.class);
	}

	static NoisePrimitives primitives(String protocol) {
		String[] parts = protocol.split("_");
		assertThat(parts).hasSize(5);
		Dh dh = switch (parts[2]) {
			case "25519" -> X25519Dh.INSTANCE;
			case "P256" -> P256Dh.INSTANCE;
			default -> throw new IllegalArgumentException(parts[2]);
		};
		NoiseCipher cipher = switch (parts[3]) {
			case "AESGCM" -> JdkAead.AES_GCM;
			case "ChaChaPoly" -> JdkAead.CHACHA_POLY;
			case "XChaChaPoly" -> new XChaChaPolyCipher();
			default -> throw new IllegalArgumentException(parts[3]);
		};
		NoiseHash hash = switch (parts[4]) {
			case "SHA256" -> Sha256Hash.INSTANCE;
			case "BLAKE2s" -> Blake2sHash.INSTANCE;
			default -> throw new IllegalArgumentException(parts[4]);
		};
		return new NoisePrimitives(protocol, dh, cipher, hash);
	}

	private static Dh.KeyPair keyPair(NoisePrimitives primitives, byte[] privateKey) throws GeneralSecurityException {
		return primitives.dh() instanceof P256Dh ? TestKeys.p256(privateKey) : TestKeys.x25519(privateKey);
	}

	private static byte[] hex(JsonNode node, String field) {
		return HEX.parseHex(node.get(field).asString());
	}

}
