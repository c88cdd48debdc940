package dev.ipc.nats;

import java.nio.file.Path;

/** Gives tests in other packages the package-private NATS test fixtures. */
public final class NatsFixturesAccess {

	private NatsFixturesAccess() {
	}

	/**
	 * A running nats-server with the generated permissions of
	 * {@link NatsFixtures#authorization()}.
	 */
	public static Server permissionedServer(Path dir) {
		return new Server(NatsServer.start(dir, NatsFixtures.authorization()));
	}

	public static int freePort() {
		return NatsServer.freePort();
	}

	/** A running server. */
	public static final class Server implements AutoCloseable {

		private final NatsServer server;

		Server(NatsServer server) {
			this.server = server;
		}

		public String url() {
			return server.url();
		}

		@Override
		public void close() {
			server.close();
		}

	}

}
