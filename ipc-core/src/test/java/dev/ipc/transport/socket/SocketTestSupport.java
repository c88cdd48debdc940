package dev.ipc.transport.socket;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientBuilder;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;

/** Shared pieces of the socket transport tests (in-JVM and multi-process). */
final class SocketTestSupport {

	private SocketTestSupport() {
	}

	/**
	 * The one place the tests choose a crypto provider: every socket test, in-JVM and
	 * multi-process, runs encrypted with the default Noise suite.
	 */
	static IpcClientBuilder withCrypto(IpcClientBuilder builder) {
		return builder.crypto(new NoiseCryptoProvider(), new InMemorySessionRepository<>());
	}

	/**
	 * A client without encryption, for tests that inject raw transport frames (which an
	 * encrypting client would drop as malformed) or send payloads above the Noise
	 * plaintext limit.
	 */
	static IpcClientBuilder withoutCrypto(IpcClientBuilder builder) {
		return builder.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>());
	}

	/**
	 * A started, encrypted client named after {@code endpoint}, serving {@link Echo} and
	 * a never-answering {@link Hang}.
	 */
	static IpcClient startClient(CommunicationBackend backend, Endpoint endpoint) {
		return startClient(backend, endpoint, true);
	}

	/** As {@link #startClient(CommunicationBackend, Endpoint)}, encrypted or not. */
	static IpcClient startClient(CommunicationBackend backend, Endpoint endpoint, boolean encrypted) {
		return startClient(backend, endpoint, encrypted, UnaryOperator.identity());
	}

	/**
	 * As {@link #startClient(CommunicationBackend, Endpoint, boolean)}, with
	 * {@code custom} applied to the builder's test defaults.
	 */
	static IpcClient startClient(CommunicationBackend backend, Endpoint endpoint, boolean encrypted,
			UnaryOperator<IpcClientBuilder> custom) {
		String name = (endpoint instanceof Endpoint.Named n) ? n.name() : endpoint.toString();
		IpcClientBuilder builder = IpcClient.builder()
			.backend(backend)
			.name("client-" + name)
			.defaultRpcTimeout(Duration.ofSeconds(10))
			.shutdownTimeout(Duration.ofSeconds(2));
		builder = custom.apply(builder);
		IpcClient client = (encrypted ? withCrypto(builder) : withoutCrypto(builder)).build();
		client.registerRpcHandler(Echo.class,
				(request, context) -> new EchoReply(request.text(), name, context.source().toString()));
		client.registerAsyncRpcHandler(Hang.class, (request, context) -> new CompletableFuture<>());
		client.start();
		return client;
	}

	@IpcPayload("test.greeting")
	record Greeting(String text) {
	}

	@IpcPayload("Echo")
	record Echo(String text) implements RpcRequest<EchoReply> {
	}

	/**
	 * The echoed text, who answered, and the caller's source as the answering side saw
	 * it.
	 */
	record EchoReply(String text, String by, String callerSource) {
	}

	@IpcPayload("Hang")
	record Hang(String text) implements RpcRequest<String> {
	}

}
