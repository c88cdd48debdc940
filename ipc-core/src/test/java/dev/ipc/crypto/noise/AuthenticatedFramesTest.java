package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.ipc.crypto.noise.NoiseFrame.HandshakeRefused;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;

/**
 * The Java-only frame shapes: the pattern inside {@code HandshakeStart.ciphersuite} and
 * {@code HandshakeRefused}; NN starts stay byte for byte what Bitwarden sends.
 */
class AuthenticatedFramesTest {

	@Test
	void thePatternTravelsInTheCiphersuiteNameAndNnIsUnchanged() throws Exception {
		for (NoiseSuite suite : NoiseSuite.values()) {
			for (NoisePattern pattern : NoisePattern.values()) {
				HandshakeStart start = new HandshakeStart(suite, new byte[] { 1, 2, 3 }, pattern);
				byte[] encoded = NoiseFrameCodec.encode(start);
				assertThat(NoiseFrameCodec.decode(encoded)).isEqualTo(start);
				assertThat(new String(encoded, java.nio.charset.StandardCharsets.ISO_8859_1))
					.contains(suite.protocolName(pattern));
			}
			assertThat(NoiseFrameCodec.encode(new HandshakeStart(suite, new byte[] { 9 })))
				.isEqualTo(NoiseFrameCodec.encode(new HandshakeStart(suite, new byte[] { 9 }, NoisePattern.NN)));
			assertThat(suite.protocolName(NoisePattern.NN)).isEqualTo(suite.protocolName());
		}
		assertThat(NoiseSuite.X25519_AESGCM_SHA256.protocolName(NoisePattern.KK))
			.isEqualTo("Noise_KK_25519_AESGCM_SHA256");
	}

	@Test
	void unknownPatternsAndSuitesAreMalformed() {
		byte[] start = NoiseFrameCodec
			.encode(new HandshakeStart(NoiseSuite.X25519_AESGCM_SHA256, new byte[] { 1 }, NoisePattern.KK));
		String text = new String(start, java.nio.charset.StandardCharsets.ISO_8859_1);
		for (String bogus : new String[] { "Noise_QQ_25519_AESGCM_SHA256", "Noise_KK_448_AESGCM_SHA256" }) {
			byte[] forged = text.replace("Noise_KK_25519_AESGCM_SHA256", bogus)
				.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
			if (bogus.length() == "Noise_KK_25519_AESGCM_SHA256".length()) {
				assertThatThrownBy(() -> NoiseFrameCodec.decode(forged)).isInstanceOf(NoiseFrameException.class)
					.hasMessageContaining("unknown cipher suite");
			}
		}
	}

	@Test
	void messageSizesAreTheDocumentedOnes() throws Exception {
		for (NoiseSuite suite : NoiseSuite.values()) {
			int d = suite == NoiseSuite.P256_AESGCM_SHA256 ? 65 : 32;
			Dh.KeyPair a = suite.dh().generateKeyPair();
			Dh.KeyPair b = suite.dh().generateKeyPair();
			NoiseHandshake i = NoiseHandshake.create(suite, NoisePattern.KK, true, a, b.publicKey(), null);
			NoiseHandshake r = NoiseHandshake.create(suite, NoisePattern.KK, false, b, a.publicKey(), null);
			byte[] one = i.writeMessage();
			r.readMessage(one);
			assertThat(one).hasSize(d + 16);
			assertThat(r.writeMessage()).hasSize(d + 16);
			byte[] psk = PairingKeys.generate();
			byte[] payload = new byte[PeerAuthenticator.PAIRING_PAYLOAD_LENGTH];
			NoiseHandshake pi = NoiseHandshake.create(suite, NoisePattern.NNpsk2, true, null, null, psk);
			NoiseHandshake pr = NoiseHandshake.create(suite, NoisePattern.NNpsk2, false, null, null, psk);
			byte[] pairing1 = pi.writeMessage(payload);
			pr.readMessage(pairing1);
			assertThat(pairing1).hasSize(d + 98 + 16);
			assertThat(pr.writeMessage(payload)).hasSize(d + 98 + 16);
		}
	}

	@Test
	void handshakeRefusedRoundTripsAndIsBounded() throws Exception {
		HandshakeRefused refused = new HandshakeRefused("unknown peer; pair first");
		assertThat(NoiseFrameCodec.decode(NoiseFrameCodec.encode(refused))).isEqualTo(refused);
		assertThat(new HandshakeRefused("x".repeat(2000)).reason()).hasSize(HandshakeRefused.MAX_REASON_LENGTH);
	}

}
