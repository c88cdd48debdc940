package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.crypto.noise.NoiseTransportException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Spec §7 items 22–30 (fixed keys [1;32]/[2;32], AES-256-GCM) plus limits and hygiene.
 */
class NoiseTransportStateTest {

	private static final byte[] ONES = filled(1);

	private static final byte[] TWOS = filled(2);

	private static byte[] filled(int value) {
		byte[] key = new byte[32];
		Arrays.fill(key, (byte) value);
		return key;
	}

	private static NoiseTransportState sender() {
		return new NoiseTransportState(TransportCipher.AES256_GCM, ONES, TWOS, 0, 0, 100);
	}

	private static NoiseTransportState receiver() {
		return new NoiseTransportState(TransportCipher.AES256_GCM, TWOS, ONES, 0, 0, 100);
	}

	private static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	@Test
	void sendAndReceivePayload() throws Exception {
		TransportFrame frame = sender().encrypt(utf8("ping"));
		assertThat(frame.nonce()).isEqualTo(1);
		assertThat(frame.payload()).hasSize(4 + 16);
		NoiseTransportState receiver = receiver();
		assertThat(receiver.decrypt(frame.nonce(), frame.payload())).isEqualTo(utf8("ping"));
		assertThat(receiver.receiveNonce()).isEqualTo(1);
	}

	@Test
	void sendAndReceiveMultipleMessages() throws Exception {
		NoiseTransportState sender = sender();
		NoiseTransportState receiver = receiver();
		for (int i = 0; i < 5; i++) {
			TransportFrame frame = sender.encrypt(utf8("msg-" + i));
			assertThat(frame.nonce()).isEqualTo(i + 1);
			assertThat(receiver.decrypt(frame.nonce(), frame.payload())).isEqualTo(utf8("msg-" + i));
		}
		assertThat(sender.sendNonce()).isEqualTo(5);
		assertThat(receiver.receiveNonce()).isEqualTo(5);
	}

	@Test
	void nonceReplayIsRejected() throws Exception {
		TransportFrame frame = sender().encrypt(utf8("ping"));
		NoiseTransportState receiver = receiver();
		receiver.decrypt(frame.nonce(), frame.payload());
		assertReject(receiver, frame.nonce(), frame.payload(), Reason.REPLAYED);
	}

	@Test
	void oldNonceIsRejectedButGapsAreAllowed() throws Exception {
		NoiseTransportState sender = sender();
		TransportFrame one = sender.encrypt(utf8("one"));
		TransportFrame two = sender.encrypt(utf8("two"));
		NoiseTransportState receiver = receiver();
		assertThat(receiver.decrypt(two.nonce(), two.payload())).isEqualTo(utf8("two"));
		assertReject(receiver, one.nonce(), one.payload(), Reason.REPLAYED);
	}

	@Test
	void tamperedCiphertextFails() throws Exception {
		byte[] payload = sender().encrypt(utf8("ping")).payload();
		payload[0] ^= 0x01;
		assertReject(receiver(), 1, payload, Reason.DECRYPT_FAILED);
	}

	@Test
	void isOlderThanIsStrictAndSaturating() {
		NoiseTransportState state = sender(); // last handshake at 100
		assertThat(state.isOlderThan(150, 60)).isFalse();
		assertThat(state.isOlderThan(160, 60)).isFalse();
		assertThat(state.isOlderThan(161, 60)).isTrue();
		NoiseTransportState later = new NoiseTransportState(TransportCipher.AES256_GCM, ONES, TWOS, 0, 0, 200);
		assertThat(later.isOlderThan(100, 60)).isFalse();
		NoiseTransportState zero = new NoiseTransportState(TransportCipher.AES256_GCM, ONES, TWOS, 0, 0, 0);
		assertThat(zero.isOlderThan(-1L, -2L)).isTrue(); // unsigned: 2^64-1 > 2^64-2
	}

	@Test
	void plaintextLimitIs65519Bytes() throws Exception {
		TransportFrame frame = sender().encrypt(new byte[65519]);
		assertThat(frame.payload()).hasSize(65535);
		assertThat(receiver().decrypt(frame.nonce(), frame.payload())).hasSize(65519);
		NoiseTransportState sender = sender();
		assertThatThrownBy(() -> sender.encrypt(new byte[65520])).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("65520")
			.hasMessageContaining("65519");
		assertThat(sender.sendNonce()).isZero();
	}

	@Test
	void decryptsARangeWhereItLies() throws Exception {
		for (TransportCipher cipher : TransportCipher.values()) {
			NoiseTransportState sending = new NoiseTransportState(cipher, ONES, TWOS, 0, 0, 100);
			NoiseTransportState receiving = new NoiseTransportState(cipher, TWOS, ONES, 0, 0, 100);
			byte[] ciphertext = sending.encrypt(utf8("in place")).payload();
			byte[] frame = new byte[ciphertext.length + 10];
			System.arraycopy(ciphertext, 0, frame, 7, ciphertext.length);
			byte[] before = frame.clone();
			assertThat(receiving.decrypt(1, frame, 7, ciphertext.length)).isEqualTo(utf8("in place"));
			assertThat(frame).as("the frame is only read").isEqualTo(before);
			// the range is the whole ciphertext: one byte less fails, and leaves the
			// state as it was
			NoiseTransportState fresh = new NoiseTransportState(cipher, TWOS, ONES, 0, 0, 100);
			assertThatThrownBy(() -> fresh.decrypt(1, frame, 7, ciphertext.length - 1))
				.isInstanceOf(NoiseTransportException.class);
			assertThat(fresh.receiveNonce()).isZero();
			assertThatThrownBy(() -> fresh.decrypt(1, frame, 7, frame.length))
				.isInstanceOf(IndexOutOfBoundsException.class);
		}
	}

	@Test
	void ciphertextLengthIsChecked() {
		assertReject(receiver(), 1, new byte[0], Reason.MALFORMED);
		assertReject(receiver(), 1, new byte[15], Reason.MALFORMED);
		assertReject(receiver(), 1, new byte[16], Reason.DECRYPT_FAILED);
		assertReject(receiver(), 1, new byte[65536], Reason.OVERSIZED);
	}

	@Test
	void sendNonceNeverWraps() throws Exception {
		NoiseTransportState nearlyDone = new NoiseTransportState(TransportCipher.AES256_GCM, ONES, TWOS, -2L, 0, 0);
		TransportFrame last = nearlyDone.encrypt(utf8("last"));
		assertThat(last.nonce()).isEqualTo(-1L);
		assertThat(receiver().decrypt(-1L, last.payload())).isEqualTo(utf8("last"));
		assertThatThrownBy(() -> nearlyDone.encrypt(utf8("more"))).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("nonce exhausted");
		assertThat(nearlyDone.sendNonce()).isEqualTo(-1L);
		NoiseTransportState done = new NoiseTransportState(TransportCipher.AES256_GCM, TWOS, ONES, 0, -1L, 0);
		assertReject(done, -1L, last.payload(), Reason.REPLAYED);
	}

	@ParameterizedTest
	@EnumSource(TransportCipher.class)
	void nonceLayoutMatchesTheCipher(TransportCipher cipher) throws Exception {
		NoiseTransportState state = new NoiseTransportState(cipher, ONES, TWOS, 41, 0, 0);
		byte[] payload = state.encrypt(utf8("x")).payload();
		ByteBuffer iv = ByteBuffer.allocate(12).putInt(0);
		Cipher jdk;
		if (cipher == TransportCipher.AES256_GCM) {
			iv.order(ByteOrder.BIG_ENDIAN).putLong(42);
			jdk = Cipher.getInstance("AES/GCM/NoPadding");
			jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(ONES, "AES"), new GCMParameterSpec(128, iv.array()));
		}
		else {
			iv.order(ByteOrder.LITTLE_ENDIAN).putLong(42);
			jdk = Cipher.getInstance("ChaCha20-Poly1305");
			jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(ONES, "ChaCha20"), new IvParameterSpec(iv.array()));
		}
		assertThat(payload).isEqualTo(jdk.doFinal(utf8("x")));
		NoiseTransportState peer = new NoiseTransportState(cipher, TWOS, ONES, 0, 0, 0);
		assertThat(peer.decrypt(42, payload)).isEqualTo(utf8("x"));
	}

	@Test
	void copyIsIndependentAndCloseZeroesKeys() throws Exception {
		NoiseTransportState state = sender();
		NoiseTransportState copy = state.copy();
		state.encrypt(utf8("a"));
		assertThat(copy.sendNonce()).isZero();
		assertThat(copy.sendKey()).isEqualTo(ONES);
		copy.close();
		assertThat(copy.isDestroyed()).isTrue();
		assertThatThrownBy(() -> copy.encrypt(utf8("a"))).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(copy::sendKey).isInstanceOf(IllegalStateException.class);
		assertThat(state.sendKey()).isEqualTo(ONES);
		byte[] exposed = state.sendKey();
		exposed[0] = 9;
		assertThat(state.sendKey()).isEqualTo(ONES);
		assertThatThrownBy(() -> new NoiseTransportState(TransportCipher.AES256_GCM, new byte[31], TWOS, 0, 0, 0))
			.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void toStringNeverShowsKeys() {
		byte[] send = HexFormat.of().parseHex("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90");
		byte[] receive = HexFormat.of().parseHex("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
		NoiseTransportState state = new NoiseTransportState(TransportCipher.AES256_GCM, send, receive, 3, 4, 5);
		String text = state.toString();
		assertThat(text).contains("Aes256Gcm", "sendNonce=3", "receiveNonce=4", "lastHandshakeTime=5", "redacted");
		for (byte[] key : new byte[][] { send, receive }) {
			assertThat(text).doesNotContainIgnoringCase(HexFormat.of().formatHex(key).substring(0, 8))
				.doesNotContain(Arrays.toString(key).substring(1, 12));
		}
	}

	private static void assertReject(NoiseTransportState state, long nonce, byte[] ciphertext, Reason reason) {
		long before = state.receiveNonce();
		assertThatThrownBy(() -> state.decrypt(nonce, ciphertext)).isInstanceOfSatisfying(NoiseTransportException.class,
				e -> assertThat(e.reason()).isEqualTo(reason));
		assertThat(state.receiveNonce()).isEqualTo(before);
	}

}
