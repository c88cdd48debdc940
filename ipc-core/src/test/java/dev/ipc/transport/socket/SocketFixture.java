package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientBuilder;
import dev.ipc.model.Endpoint;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Opens transports and clients for one test and closes them all afterwards, clients
 * first.
 */
final class SocketFixture implements AutoCloseable {

	private final Path socket;

	private final List<IpcClient> clients = new CopyOnWriteArrayList<>();

	private final List<SocketTransport> transports = new CopyOnWriteArrayList<>();

	SocketFixture(Path socket) {
		this.socket = socket;
	}

	Path socket() {
		return socket;
	}

	/** Options with short, test-friendly timeouts on this fixture's Unix socket. */
	SocketTransportOptions.Builder options(String name, Role role) {
		return SocketTransportOptions.builder()
			.endpoint(Endpoint.named(name))
			.unixSocket(socket)
			.role(role)
			.helloTimeout(Duration.ofSeconds(2))
			.initialBackoff(Duration.ofMillis(20))
			.maxBackoff(Duration.ofMillis(200))
			.closeTimeout(Duration.ofSeconds(2));
	}

	SocketTransport transport(String name, Role role) throws IOException {
		return transport(name, role, UnaryOperator.identity());
	}

	SocketTransport transport(String name, Role role, UnaryOperator<SocketTransportOptions.Builder> custom)
			throws IOException {
		return track(SocketTransport.open(custom.apply(options(name, role)).build()));
	}

	SocketTransport track(SocketTransport transport) {
		transports.add(transport);
		return transport;
	}

	/**
	 * A started, encrypted client on {@code transport} (see
	 * {@link SocketTestSupport#startClient}).
	 */
	IpcClient client(SocketTransport transport) {
		return client(transport, UnaryOperator.identity());
	}

	/**
	 * As {@link #client(SocketTransport)}, with {@code custom} applied to its builder.
	 */
	IpcClient client(SocketTransport transport, UnaryOperator<IpcClientBuilder> custom) {
		IpcClient client = SocketTestSupport.startClient(transport, transport.localEndpoint(), true, custom);
		clients.add(client);
		return client;
	}

	/**
	 * A started client without encryption, for tests that put raw frames or oversized
	 * payloads on the transport.
	 */
	IpcClient plainClient(SocketTransport transport) {
		IpcClient client = SocketTestSupport.startClient(transport, transport.localEndpoint(), false);
		clients.add(client);
		return client;
	}

	@Override
	public void close() {
		for (IpcClient client : clients) {
			client.close();
		}
		for (SocketTransport transport : transports) {
			transport.close();
		}
	}

}
