package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replays the public vectors of the authenticated and psk patterns (KK, IK, XX, NK,
 * NNpsk2, KKpsk0, KKpsk2, IKpsk2, XXpsk3; see {@code noise-vectors/README.md}) through
 * the token-driven {@link NoiseHandshake}, with fixed ephemeral and static keys: every
 * handshake and transport ciphertext, every payload, the handshake hash where given, and
 * the static key each side learns.
 */
class AuthenticatedVectorTest {

	private static final HexFormat HEX = HexFormat.of();

	private static final List<String> FILES = List.of("cacophony-authenticated.json", "snow-authenticated.json",
			"snow-extended-p256-authenticated.json", "cacophony.json", "snow.json", "snow-extended-p256.json");

	private static final byte[] EMPTY = new byte[0];

	record Vector(String file, String protocol, NoisePattern pattern, JsonNode node) {
	}

	static List<Vector> vectors() throws IOException {
		List<Vector> out = new ArrayList<>();
		JsonMapper mapper = JsonMapper.builder().build();
		for (String file : FILES) {
			try (InputStream in = AuthenticatedVectorTest.class.getResourceAsStream("/noise-vectors/" + file)) {
				assertThat(in).as(file).isNotNull();
				for (JsonNode node : mapper.readTree(in).get("vectors")) {
					String protocol = node.get("protocol_name").asString();
					String patternName = protocol.split("_")[1];
					if (patternName.equals("NN") || patternName.contains("+") || patternName.equals("NNpsk0")) {
						continue; // NN is NoiseVectorTest's; combined psk modifiers are
									// not in the table
					}
					out.add(new Vector(file, protocol, NoisePattern.fromName(patternName), node));
				}
			}
		}
		return out;
	}

	@Test
	void everyNewPatternHasVectors() throws IOException {
		Map<NoisePattern, Long> counts = vectors().stream()
			.collect(Collectors.groupingBy(Vector::pattern, TreeMap::new, Collectors.counting()));
		// 56 entries of the authenticated files plus cacophony's 4 NNpsk2 ones
		assertThat(vectors()).hasSize(60);
		assertThat(counts).containsEntry(NoisePattern.KK, 10L)
			.containsEntry(NoisePattern.IK, 10L)
			.containsEntry(NoisePattern.XX, 10L)
			.containsEntry(NoisePattern.NK, 10L)
			.containsEntry(NoisePattern.NNpsk2, 4L)
			.containsEntry(NoisePattern.KKpsk0, 4L)
			.containsEntry(NoisePattern.KKpsk2, 4L)
			.containsEntry(NoisePattern.IKpsk2, 4L)
			.containsEntry(NoisePattern.XXpsk3, 4L);
		// our two JDK-only suites and the BLAKE2s one are each covered for KK, IK, XX and
		// NNpsk2
		for (String suite : List.of("25519_AESGCM_SHA256", "25519_ChaChaPoly_BLAKE2s")) {
			for (String pattern : List.of("KK", "IK", "XX", "NNpsk2")) {
				assertThat(vectors()).extracting(Vector::protocol).contains("Noise_" + pattern + "_" + suite);
			}
		}
		// P-256 (no AESGCM vector exists: the DH half comes from the XChaChaPoly ones)
		assertThat(vectors()).extracting(Vector::protocol)
			.contains("Noise_KK_P256_XChaChaPoly_SHA256", "Noise_IK_P256_XChaChaPoly_SHA256",
					"Noise_XX_P256_XChaChaPoly_SHA256");
	}

	@TestFactory
	Stream<DynamicTest> replay() throws IOException {
		return vectors().stream().map(v -> DynamicTest.dynamicTest(v.file() + " " + v.protocol(), () -> replay(v)));
	}

	private static void replay(Vector vector) throws Exception {
		JsonNode v = vector.node();
		NoisePrimitives primitives = NoiseVectorTest.primitives(vector.protocol());
		NoiseHandshake initiator = side(vector, primitives, true);
		NoiseHandshake responder = side(vector, primitives, false);
		JsonNode messages = v.get("messages");
		int handshakeMessages = vector.pattern().messageCount();
		for (int i = 0; i < handshakeMessages; i++) {
			NoiseHandshake writer = i % 2 == 0 ? initiator : responder;
			NoiseHandshake reader = i % 2 == 0 ? responder : initiator;
			byte[] payload = hex(messages.get(i), "payload");
			byte[] wire = writer.writeMessage(payload);
			assertThat(HEX.formatHex(wire)).as("message %d", i).isEqualTo(messages.get(i).get("ciphertext").asString());
			assertThat(reader.readMessageWithPayload(wire)).isEqualTo(payload);
		}
		assertThat(initiator.isComplete()).isTrue();
		assertThat(responder.isComplete()).isTrue();
		assertThat(initiator.handshakeHash()).isEqualTo(responder.handshakeHash());
		if (v.has("handshake_hash")) {
			assertThat(HEX.formatHex(initiator.handshakeHash())).isEqualTo(v.get("handshake_hash").asString());
		}
		if (vector.pattern().responderHasStatic()) {
			assertThat(initiator.remoteStaticKey()).isEqualTo(keyPair(primitives, hex(v, "resp_static")).publicKey());
		}
		if (vector.pattern().initiatorHasStatic()) {
			assertThat(responder.remoteStaticKey()).isEqualTo(keyPair(primitives, hex(v, "init_static")).publicKey());
		}
		NoiseSplit sent = initiator.split();
		NoiseSplit received = responder.split();
		long[] nonces = new long[2];
		for (int i = handshakeMessages; i < messages.size(); i++) {
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
	}

	@Test
	void aWrongPinnedKeyFailsTheFirstMessageThatUsesIt() throws Exception {
		for (Vector vector : vectors()) {
			if (vector.pattern() != NoisePattern.KK && vector.pattern() != NoisePattern.IK) {
				continue;
			}
			JsonNode v = vector.node();
			NoisePrimitives primitives = NoiseVectorTest.primitives(vector.protocol());
			// the initiator pins a key that is not the responder's (its own, here)
			byte[] wrongPin = keyPair(primitives, hex(v, "init_static")).publicKey();
			NoiseHandshake initiator = new NoiseHandshake(primitives, vector.pattern(), true, hex(v, "init_prologue"),
					keyPair(primitives, hex(v, "init_static")), wrongPin, null,
					keyPair(primitives, hex(v, "init_ephemeral")));
			NoiseHandshake responder = side(vector, primitives, false);
			byte[] first = initiator.writeMessage(EMPTY);
			assertThatThrownBy(() -> responder.readMessage(first)).as(vector.protocol())
				.isInstanceOf(NoiseProtocolException.class)
				.hasMessageContaining("authentication");
		}
	}

	@Test
	void aWrongPreSharedKeyFailsMessageTwo() throws Exception {
		for (Vector vector : vectors()) {
			if (vector.pattern() != NoisePattern.NNpsk2) {
				continue;
			}
			JsonNode v = vector.node();
			NoisePrimitives primitives = NoiseVectorTest.primitives(vector.protocol());
			byte[] wrong = hex(v.get("init_psks").get(0));
			wrong[0] ^= 1;
			NoiseHandshake initiator = new NoiseHandshake(primitives, NoisePattern.NNpsk2, true,
					hex(v, "init_prologue"), null, null, wrong, keyPair(primitives, hex(v, "init_ephemeral")));
			NoiseHandshake responder = side(vector, primitives, false);
			responder.readMessage(initiator.writeMessage(EMPTY));
			byte[] second = responder.writeMessage(EMPTY);
			assertThatThrownBy(() -> initiator.readMessage(second)).as(vector.protocol())
				.isInstanceOf(NoiseProtocolException.class)
				.hasMessageContaining("authentication");
			assertThatThrownBy(initiator::split).isInstanceOf(IllegalStateException.class);
		}
	}

	@Test
	void missingKeysAreRefusedAtCreation() {
		assertThatThrownBy(() -> NoiseHandshake.create(NoiseSuite.X25519_AESGCM_SHA256, NoisePattern.KK, true, null,
				new byte[32], null))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("static key");
		assertThatThrownBy(() -> NoiseHandshake.create(NoiseSuite.X25519_AESGCM_SHA256, NoisePattern.NNpsk2, true, null,
				null, new byte[16]))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("pre-shared key");
	}

	@Test
	void everySuiteRunsKkIkXxAndNnpsk2WithGeneratedKeys() throws Exception {
		for (NoiseSuite suite : NoiseSuite.values()) {
			Dh dh = suite.dh();
			Dh.KeyPair a = dh.generateKeyPair();
			Dh.KeyPair b = dh.generateKeyPair();
			byte[] psk = new byte[32];
			psk[3] = 7;
			for (NoisePattern pattern : List.of(NoisePattern.KK, NoisePattern.IK, NoisePattern.XX,
					NoisePattern.NNpsk2)) {
				NoiseHandshake i = NoiseHandshake.create(suite, pattern, true, a,
						pattern.responderKeyPremessage() ? b.publicKey() : null, pattern.usesPsk() ? psk : null);
				NoiseHandshake r = NoiseHandshake.create(suite, pattern, false, b,
						pattern.initiatorKeyPremessage() ? a.publicKey() : null, pattern.usesPsk() ? psk : null);
				for (int m = 0; m < pattern.messageCount(); m++) {
					NoiseHandshake writer = m % 2 == 0 ? i : r;
					NoiseHandshake reader = m % 2 == 0 ? r : i;
					reader.readMessage(writer.writeMessage());
				}
				assertThat(i.handshakeHash()).as(suite + " " + pattern).isEqualTo(r.handshakeHash());
				assertThat(i.split().i2r()).isEqualTo(r.split().i2r());
				if (pattern.authenticatesBoth()) {
					assertThat(i.remoteStaticKey()).isEqualTo(b.publicKey());
					assertThat(r.remoteStaticKey()).isEqualTo(a.publicKey());
				}
			}
		}
	}

	private static NoiseHandshake side(Vector vector, NoisePrimitives primitives, boolean initiator)
			throws GeneralSecurityException, NoiseProtocolException {
		JsonNode v = vector.node();
		String prefix = initiator ? "init_" : "resp_";
		Dh.@Nullable KeyPair local = v.has(prefix + "static") ? keyPair(primitives, hex(v, prefix + "static")) : null;
		byte @Nullable [] remote = v.has(prefix + "remote_static") ? hex(v, prefix + "remote_static") : null;
		byte @Nullable [] psk = v.has(prefix + "psks") && v.get(prefix + "psks").size() > 0
				? hex(v.get(prefix + "psks").get(0)) : null;
		return new NoiseHandshake(primitives, vector.pattern(), initiator, hex(v, prefix + "prologue"), local, remote,
				psk, keyPair(primitives, hex(v, prefix + "ephemeral")));
	}

	private static Dh.KeyPair keyPair(NoisePrimitives primitives, byte[] privateKey) throws GeneralSecurityException {
		return primitives.dh() instanceof P256Dh ? TestKeys.p256(privateKey) : TestKeys.x25519(privateKey);
	}

	private static byte[] hex(JsonNode node, String field) {
		return HEX.parseHex(node.get(field).asString());
	}

	private static byte[] hex(JsonNode node) {
		return HEX.parseHex(node.asString());
	}

}
