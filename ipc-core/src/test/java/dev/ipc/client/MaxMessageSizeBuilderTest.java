package dev.ipc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.NoiseSession;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.IpcException;
import dev.ipc.testing.TestCommunicationBackend;

/**
 * {@link IpcClientBuilder#maxMessageSize(int)}: validated at once, applied to the default
 * Noise provider (a send over it is refused before anything is sent), and refused with an
 * explicit provider, which has its own limit.
 */
class MaxMessageSizeBuilderTest {

	@Test
	void outOfRangeValuesAreRefusedAtOnce() {
		assertThatThrownBy(() -> IpcClient.builder().maxMessageSize(0)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("maxMessageSize must be between 1 and");
		assertThatThrownBy(() -> IpcClient.builder().maxMessageSize((1 << 30) + 1))
			.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void theDefaultProviderGetsTheLimit() {
		TestCommunicationBackend backend = new TestCommunicationBackend();
		try (IpcClient client = IpcClient.builder().backend(backend).maxMessageSize(100_000).build()) {
			client.start();
			assertThatThrownBy(() -> client.send(new OutgoingMessage(new byte[100_001], Endpoint.named("p"), "t")))
				.isInstanceOf(IpcException.class)
				.hasMessageContaining("over the largest message size of 100000 bytes");
			assertThat(backend.outgoing()).isEmpty();
		}
	}

	@Test
	void anExplicitProviderKeepsItsOwnLimit() {
		IpcClientBuilder builder = IpcClient.builder()
			.backend(new TestCommunicationBackend())
			.crypto(new NoiseCryptoProvider(), new InMemorySessionRepository<NoiseSession>())
			.maxMessageSize(100_000);
		assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("NoiseCryptoProvider.Builder.maxMessageSize");
	}

}
