package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.XECPrivateKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NoiseHandshakeTest {

	/**
	 * Spec §7 item 21: each suite's handshake completes and the two transport states
	 * mirror each other.
	 */
	@ParameterizedTest
	@EnumSource(NoiseSuite.class)
	void handshakeDerivesMirroredTransportStates(NoiseSuite suite) throws Exception {
		NoiseHandshake initiator = NoiseHandshake.initiator(suite);
		NoiseHandshake responder = NoiseHandshake.responder(suite);
		int keyLength = suite == NoiseSuite.P256_AESGCM_SHA256 ? 65 : 32;

		byte[] first = initiator.writeMessage();
		assertThat(first).hasSize(keyLength);
		responder.readMessage(first);
		byte[] second = responder.writeMessage();
		assertThat(second).hasSize(keyLength + 16);
		initiator.readMessage(second);

		assertThat(initiator.isComplete()).isTrue();
		assertThat(responder.isComplete()).isTrue();
		assertThat(initiator.handshakeHash()).isEqualTo(responder.handshakeHash()).hasSize(32);
		NoiseTransportState a = NoiseTransportState.fromSplit(initiator.split(), true, suite.transportCipher(), 7);
		NoiseTransportState b = NoiseTransportState.fromSplit(responder.split(), false, suite.transportCipher(), 7);
		assertThat(a.sendKey()).isEqualTo(b.receiveKey()).isNotEqualTo(a.receiveKey());
		assertThat(a.receiveKey()).isEqualTo(b.sendKey());
		assertThat(b.decrypt(1, a.encrypt("hi".getBytes()).payload())).isEqualTo("hi".getBytes());
		assertThat(a.decrypt(1, b.encrypt("ho".getBytes()).payload())).isEqualTo("ho".getBytes());
		initiator.close();
		responder.close();
	}

	@Test
	void generatedPublicKeysAreEncodedAsOnTheWire() throws Exception {
		Dh.KeyPair x = X25519Dh.INSTANCE.generateKeyPair();
		byte[] scalar = ((XECPrivateKey) x.privateKey()).getScalar().orElseThrow();
		assertThat(x.publicKey()).isEqualTo(TestKeys.x25519(scalar).publicKey());

		Dh.KeyPair p = P256Dh.INSTANCE.generateKeyPair();
		BigInteger s = ((ECPrivateKey) p.privateKey()).getS();
		assertThat(p.publicKey()).isEqualTo(TestKeys.p256Public(s));
	}

	@Test
	void invalidP256PointInMessageOneIsRejected() throws Exception {
		byte[] first = NoiseHandshake.initiator(NoiseSuite.P256_AESGCM_SHA256).writeMessage();
		first[64] ^= 0x01; // y no longer matches x
		NoiseHandshake responder = NoiseHandshake.responder(NoiseSuite.P256_AESGCM_SHA256);
		assertThatThrownBy(() -> responder.readMessage(first)).isInstanceOf(NoiseProtocolException.class)
			.hasMessageContaining("not a point on the curve");
		assertThatThrownBy(responder::writeMessage).isInstanceOf(IllegalStateException.class);

		byte[] compressed = Arrays.copyOf(first, 65);
		compressed[0] = 0x02;
		assertThatThrownBy(() -> NoiseHandshake.responder(NoiseSuite.P256_AESGCM_SHA256).readMessage(compressed))
			.isInstanceOf(NoiseProtocolException.class)
			.hasMessageContaining("uncompressed");
	}

	@Test
	void smallOrderX25519KeyIsRejected() throws Exception {
		NoiseHandshake responder = NoiseHandshake.responder(NoiseSuite.X25519_AESGCM_SHA256);
		responder.readMessage(new byte[32]); // u = 0 has small order
		assertThatThrownBy(responder::writeMessage).isInstanceOf(NoiseProtocolException.class);
	}

	@Test
	void shortAndOversizedMessagesAreRejected() throws Exception {
		for (NoiseSuite suite : NoiseSuite.values()) {
			NoiseHandshake responder = NoiseHandshake.responder(suite);
			assertThatThrownBy(() -> responder.readMessage(new byte[31])).isInstanceOf(NoiseProtocolException.class)
				.hasMessageContaining("must be");
			assertThatThrownBy(() -> NoiseHandshake.responder(suite).readMessage(new byte[65536]))
				.isInstanceOf(NoiseProtocolException.class)
				.hasMessageContaining("65535");

			NoiseHandshake initiator = NoiseHandshake.initiator(suite);
			NoiseHandshake peer = NoiseHandshake.responder(suite);
			peer.readMessage(initiator.writeMessage());
			byte[] second = peer.writeMessage();
			assertThatThrownBy(() -> initiator.readMessage(Arrays.copyOf(second, second.length - 1)))
				.isInstanceOf(NoiseProtocolException.class)
				.hasMessageContaining("must be");
		}
	}

	@Test
	void trailingPayloadIsAcceptedAndIgnored() throws Exception {
		NoiseSuite suite = NoiseSuite.X25519_AESGCM_SHA256;
		NoisePrimitives primitives = suite.primitives(NoiseSuite::isClassPresent);
		NoiseHandshake initiator = new NoiseHandshake(primitives, true, new byte[0], null);
		NoiseHandshake responder = NoiseHandshake.responder(suite);
		responder.readMessage(initiator.writeMessage("extra".getBytes()));
		NoiseHandshake peer = new NoiseHandshake(primitives, false, new byte[0], null);
		NoiseHandshake plain = NoiseHandshake.initiator(suite);
		peer.readMessage(plain.writeMessage());
		byte[] second = peer.writeMessage("more".getBytes());
		assertThat(second).hasSize(32 + 4 + 16);
		plain.readMessage(second);
		assertThat(plain.isComplete()).isTrue();
	}

	@Test
	void callsOutOfTurnAreRejected() throws Exception {
		NoiseHandshake initiator = NoiseHandshake.initiator(NoiseSuite.DEFAULT);
		assertThatThrownBy(() -> initiator.readMessage(new byte[65])).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(initiator::split).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(initiator::handshakeHash).isInstanceOf(IllegalStateException.class);
		initiator.writeMessage();
		assertThatThrownBy(initiator::writeMessage).isInstanceOf(IllegalStateException.class);
		NoiseHandshake responder = NoiseHandshake.responder(NoiseSuite.DEFAULT);
		assertThatThrownBy(responder::writeMessage).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void splitIsRedactedAndZeroedOnClose() throws Exception {
		NoiseHandshake initiator = NoiseHandshake.initiator(NoiseSuite.DEFAULT);
		NoiseHandshake responder = NoiseHandshake.responder(NoiseSuite.DEFAULT);
		responder.readMessage(initiator.writeMessage());
		initiator.readMessage(responder.writeMessage());
		NoiseSplit split = initiator.split();
		String hex = HexFormat.of().formatHex(split.i2r());
		assertThat(split.toString()).doesNotContainIgnoringCase(hex).contains("redacted");
		split.close();
		assertThatThrownBy(split::i2r).isInstanceOf(IllegalStateException.class);
		initiator.close();
		assertThatThrownBy(initiator::split).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void suitesAreNamedAndLookedUp() {
		assertThat(NoiseSuite.DEFAULT).isEqualTo(NoiseSuite.X25519_AESGCM_SHA256);
		for (NoiseSuite suite : NoiseSuite.values()) {
			assertThat(NoiseSuite.fromProtocolName(suite.protocolName())).isEqualTo(suite);
			assertThat(suite.isAvailable()).isTrue(); // Bouncy Castle is on the test
														// classpath
		}
		assertThat(NoiseSuite.X25519_CHACHAPOLY_BLAKE2S.transportCipher()).isEqualTo(TransportCipher.CHACHA20_POLY1305);
		assertThat(NoiseSuite.P256_AESGCM_SHA256.transportCipher()).isEqualTo(TransportCipher.AES256_GCM);
		assertThatThrownBy(() -> NoiseSuite.fromProtocolName("Noise_XX_25519_AESGCM_SHA256"))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("unsupported Noise cipher suite");
		assertThat(TransportCipher.fromWireName("Aes256Gcm")).isEqualTo(TransportCipher.AES256_GCM);
		assertThat(TransportCipher.fromWireName("ChaCha20Poly1305")).isEqualTo(TransportCipher.CHACHA20_POLY1305);
		assertThatThrownBy(() -> TransportCipher.fromWireName("aes256gcm"))
			.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void blake2sSuiteIsRefusedWithoutBouncyCastle() throws Exception {
		NoiseSuite suite = NoiseSuite.X25519_CHACHAPOLY_BLAKE2S;
		assertThat(suite.isAvailable(name -> false)).isFalse();
		assertThat(NoiseSuite.P256_AESGCM_SHA256.isAvailable(name -> false)).isTrue();
		assertThat(NoiseSuite.X25519_AESGCM_SHA256.primitives(name -> false)).isNotNull();
		assertThatThrownBy(() -> suite.primitives(name -> false)).isInstanceOf(NoiseProtocolException.class)
			.hasMessageContaining("Noise_NN_25519_ChaChaPoly_BLAKE2s")
			.hasMessageContaining("org.bouncycastle:bcprov-jdk18on");
		assertThat(NoiseSuite.isClassPresent(NoiseSuite.BLAKE2S_CLASS)).isTrue();
		assertThat(NoiseSuite.isClassPresent("org.example.Missing")).isFalse();
	}

}
