package dev.ipc.nats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/** Shared payload types, server configs and connections for the NATS tests. */
final class NatsFixtures {

	static final String NAMESPACE = "t";

	static final Endpoint VAULT = Endpoint.named("vault");

	static final Endpoint WORKER = Endpoint.named("worker");

	/** The endpoints the test servers know, each with password {@code pw-<name>}. */
	static final List<String> USERS = List.of("vault", "worker", "mallory");

	@IpcPayload("nats.item-changed")
	record ItemChanged(String id) {
	}

	@IpcPayload("nats.sum")
	record Sum(int a, int b) implements RpcRequest<Integer> {
	}

	@IpcPayload("nats.slow")
	record Slow(String id) implements RpcRequest<String> {
	}

	private NatsFixtures() {
	}

	static String password(String user) {
		return "pw-" + user;
	}

	/**
	 * The generated authorization for {@link #USERS}, plus {@code observer}, a user who
	 * may read everything of the namespace and publish nothing (it plays the broker's
	 * view in the ciphertext tests).
	 */
	static String authorization() {
		Map<String, String> passwords = new LinkedHashMap<>();
		for (String user : USERS) {
			passwords.put(user, password(user));
		}
		String block = NatsPermissions.forNamespace(NAMESPACE).passwordAuthorization(passwords);
		String observer = "{ user: \"observer\", password: \"pw-observer\", permissions: { publish: { deny: [\">\"] }, "
				+ "subscribe: { allow: [\"ipc.>\"] } } }";
		return block.replace("\n  ]", "\n    " + observer + "\n  ]");
	}

	static NatsTransportOptions.Builder options(String name, String... servers) {
		return NatsTransportOptions.builder()
			.endpoint(name)
			.namespace(NAMESPACE)
			.servers(servers)
			.userPassword(name, password(name).toCharArray())
			.sourceTrust(SourceTrust.BROKER_ENFORCED)
			.presence(Duration.ofMillis(250), Duration.ofSeconds(3))
			.reconnectWait(Duration.ofMillis(100));
	}

	static NatsTransport open(NatsTransportOptions.Builder options) {
		try {
			return NatsTransport.open(options.build());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A raw jnats connection as {@code user}, recording the server's asynchronous errors.
	 */
	static RawConnection raw(String url, String user) {
		ErrorsSeen errors = new ErrorsSeen();
		Options options = new Options.Builder().server(url)
			.userInfo(user, password(user))
			.errorListener(errors)
			.maxReconnects(0)
			.build();
		try {
			return new RawConnection(Nats.connect(options), errors);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	record RawConnection(Connection connection, ErrorsSeen errors) implements AutoCloseable {
		@Override
		public void close() throws InterruptedException {
			connection.close();
		}
	}

	static final class ErrorsSeen implements ErrorListener {

		final List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

		@Override
		public void errorOccurred(Connection conn, String error) {
			errors.add(error);
		}

		boolean any(String fragment) {
			return errors.stream().anyMatch(e -> e.contains(fragment));
		}

	}

	/** Counts drops by reason. */
	static final class DropCounter implements IpcEventListener {

		private final Map<DropReason, AtomicLong> counts = new EnumMap<>(DropReason.class);

		DropCounter() {
			for (DropReason reason : DropReason.values()) {
				counts.put(reason, new AtomicLong());
			}
		}

		@Override
		public void messageDropped(DropReason reason, @Nullable Endpoint peer) {
			counts.get(reason).incrementAndGet();
		}

		long count(DropReason reason) {
			return counts.get(reason).get();
		}

	}

}
