package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The send path of fragments encrypts header and slice in one pass straight into the
 * encoded frame: the bytes are exactly those of encrypting the joined plaintext and
 * encoding the frame, for both transport ciphers, and the receiving state decrypts them.
 */
class FragmentEncryptionTest {

	@ParameterizedTest
	@EnumSource(TransportCipher.class)
	void encryptingIntoTheFrameGivesTheBytesOfEncryptThenEncode(TransportCipher cipher) throws Exception {
		byte[] key = new byte[32];
		new Random(1).nextBytes(key);
		NoiseTransportState direct = new NoiseTransportState(cipher, key, key, 41, 0, 0);
		NoiseTransportState classic = direct.copy();
		NoiseTransportState receiver = new NoiseTransportState(cipher, key, key, 0, 0, 0);
		byte[] head = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
		byte[] body = new byte[100_000];
		new Random(2).nextBytes(body);
		int offset = 1234;
		int length = NoiseTransportState.MAX_PLAINTEXT_LENGTH - head.length;

		int ciphertextLength = head.length + length + NoiseCipher.TAG_LENGTH;
		byte[] frame = NoiseFrameCodec.transportShell(ciphertextLength, direct.sendNonce() + 1);
		long nonce = direct.encryptInto(head, head.length, body, offset, length, frame,
				NoiseFrameCodec.transportCiphertextOffset(ciphertextLength));

		byte[] joined = new byte[head.length + length];
		System.arraycopy(head, 0, joined, 0, head.length);
		System.arraycopy(body, offset, joined, head.length, length);
		assertThat(nonce).isEqualTo(42);
		assertThat(frame).isEqualTo(NoiseFrameCodec.encode(classic.encrypt(joined)));
		NoiseFrame.TransportFrame decoded = (NoiseFrame.TransportFrame) NoiseFrameCodec.decode(frame);
		assertThat(receiver.decrypt(decoded.nonce(), decoded.payload())).isEqualTo(joined);
		assertThat(direct.sendNonce()).isEqualTo(42);
	}

	@ParameterizedTest
	@EnumSource(TransportCipher.class)
	void tooLongOrExhaustedIsRefusedWithoutUsingANonce(TransportCipher cipher) {
		NoiseTransportState state = new NoiseTransportState(cipher, new byte[32], new byte[32], 7, 0, 0);
		byte[] out = new byte[70_000];
		assertThatThrownBy(() -> state.encryptInto(new byte[10], 10, new byte[70_000], 0,
				NoiseTransportState.MAX_PLAINTEXT_LENGTH, out, 0))
			.isInstanceOf(IllegalArgumentException.class);
		assertThat(state.sendNonce()).isEqualTo(7);
		NoiseTransportState exhausted = new NoiseTransportState(cipher, new byte[32], new byte[32], -1L, 0, 0);
		assertThatThrownBy(() -> exhausted.encryptInto(new byte[1], 1, new byte[1], 0, 1, out, 0))
			.isInstanceOf(IllegalStateException.class);
	}

}
