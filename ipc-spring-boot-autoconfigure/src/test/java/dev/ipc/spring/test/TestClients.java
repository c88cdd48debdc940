package dev.ipc.spring.test;

import dev.ipc.client.IpcClient;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;

/** Plain clients on a shared bus, playing the other side in tests. */
public final class TestClients {

	/**
	 * Properties that run the auto-configured client on the in-memory transport without
	 * encryption.
	 */
	public static final String[] IN_MEMORY = { "ipc.transport.type=in-memory", "ipc.crypto.provider=none" };

	private TestClients() {
	}

	/** A started peer connected to {@code bus} as {@code name}, with no verified user. */
	public static Peer peer(InMemoryBus bus, String name) {
		return peer(bus, new Source.Named(name, null));
	}

	/** A started peer connected to {@code bus} with the given identity. */
	public static Peer peer(InMemoryBus bus, Source identity) {
		CommunicationBackend backend = bus.connect(identity);
		IpcClient client = IpcClient.builder()
			.name("test-" + identity.toEndpoint())
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.build();
		client.start();
		return new Peer(client, backend);
	}

	/** The named endpoint {@code name}. */
	public static Endpoint named(String name) {
		return Endpoint.named(name);
	}

	/**
	 * A client and its backend, closed together (a client does not close its backend).
	 *
	 * @param client the client
	 * @param backend its backend
	 */
	public record Peer(IpcClient client, CommunicationBackend backend) implements AutoCloseable {

		@Override
		public void close() {
			this.client.close();
			this.backend.close();
		}

	}

}
