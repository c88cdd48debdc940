package dev.ipc.bench.harness;

import dev.ipc.client.IpcClientBuilder;

/** Configures the Noise crypto provider (needs {@code NoiseCryptoProvider}; filled in when it lands). */
final class NoiseSupport {

	private NoiseSupport() {
	}

	static void configure(IpcClientBuilder builder) {
		throw new UnsupportedOperationException("the Noise crypto provider is not available yet");
	}

}
