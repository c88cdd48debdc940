package dev.ipc.bench.harness;

import dev.ipc.client.IpcClientBuilder;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.NoiseSession;
import dev.ipc.spi.SessionRepository;

/**
 * Configures the Noise NN crypto provider with its default suite
 * ({@code Noise_NN_25519_AESGCM_SHA256}) and the given sessions.
 */
final class NoiseSupport {

	private NoiseSupport() {
	}

	static void configure(IpcClientBuilder builder, SessionRepository<NoiseSession> sessions) {
		builder.crypto(new NoiseCryptoProvider(), sessions);
	}

}
