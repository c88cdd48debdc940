package dev.ipc.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.model.Topics;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.support.Fixtures.TestRequest;
import dev.ipc.support.Fixtures.TestResponse;
import dev.ipc.support.ProgrammableCryptoProvider;
import dev.ipc.testing.TestCommunicationBackend;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * No request waits out its timeout when the responder side knew it was lost (issue 9
 * items A1 and A7): a request the peer could not decrypt is retried once, a retry never
 * runs a handler twice, and a reply that cannot be sent is replaced by a small error
 * reply.
 */
class RpcRecoveryTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Long enough that a test waiting {@link #WAIT} can tell a prompt answer from a
	 * timeout.
	 */
	private static final Duration LONG_TIMEOUT = Duration.ofSeconds(120);

	private static final Endpoint WORKER = Endpoint.named("worker");

	private static final Endpoint VAULT = Endpoint.named("vault");

	/**
	 * The reason the Noise provider reports when the peer answered our frame with
	 * {@code CryptoInvalidated}.
	 */
	private static final String PEER_SENT_CRYPTO_INVALIDATED = "peer sent CryptoInvalidated";

	@IpcPayload("Big")
	record BigRequest(int size, String padding) implements RpcRequest<String> {
	}

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final InMemoryBus bus = new InMemoryBus();

	private final AtomicInteger handled = new AtomicInteger();

	@AfterEach
	void close() throws Exception {
		for (int i = resources.size() - 1; i >= 0; i--) {
			resources.get(i).close();
		}
	}

	private CommunicationBackend connect(Endpoint endpoint) {
		CommunicationBackend backend = bus.connect(endpoint);
		resources.add(backend);
		return backend;
	}

	private <S> IpcClient client(CommunicationBackend backend, dev.ipc.spi.CryptoProvider<S> crypto) {
		IpcClient client = IpcClient.builder()
			.backend(backend)
			.crypto(crypto, new InMemorySessionRepository<S>())
			.defaultRpcTimeout(LONG_TIMEOUT)
			.build();
		resources.add(client);
		client.registerRpcHandler(TestRequest.class, (request, context) -> {
			handled.incrementAndGet();
			return new TestResponse(request.a() + request.b());
		});
		client.registerRpcHandler(BigRequest.class, (request, context) -> "x".repeat(request.size()));
		client.start();
		return client;
	}

	private static boolean isRequest(OutgoingMessage message) {
		return Topics.RPC_REQUEST.equals(message.topic());
	}

	// ---------------------------------------------------------------- A1: a request the
	// peer could not decrypt

	@Test
	void aRequestThePeerCouldNotDecryptIsRetriedTransparentlyWithTheSameId() throws Exception {
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider();
		List<OutgoingMessage> lost = new CopyOnWriteArrayList<>();
		crypto.loseSendsWhere(message -> isRequest(message) && lost.isEmpty() && lost.add(message));
		IpcClient worker = client(connect(WORKER), crypto);
		client(connect(VAULT), new NoEncryptionCryptoProvider());

		CompletableFuture<TestResponse> response = worker.request(new TestRequest(1, 2), VAULT);
		await().atMost(WAIT).until(() -> !lost.isEmpty());
		// the vault could not decrypt it and answered CryptoInvalidated; the provider
		// reports that as it does
		crypto.context().events().sessionInvalidated(VAULT, PEER_SENT_CRYPTO_INVALIDATED);

		assertThat(response.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new TestResponse(3));
		assertThat(handled).hasValue(1);
	}

	@Test
	void overNoiseARequestARestartedResponderCannotDecryptIsRetriedAndAnswered() throws Exception {
		IpcClient worker = client(connect(WORKER), new NoiseCryptoProvider());
		CommunicationBackend vaultBackend = connect(VAULT);
		IpcClient firstVault = client(vaultBackend, new NoiseCryptoProvider());
		assertThat(worker.request(new TestRequest(1, 1), VAULT).get(WAIT.toSeconds(), TimeUnit.SECONDS))
			.isEqualTo(new TestResponse(2));
		// the vault's client restarts with fresh sessions on the same connection: the
		// worker's session is stale
		firstVault.close();
		client(vaultBackend, new NoiseCryptoProvider());

		CompletableFuture<TestResponse> response = worker.request(new TestRequest(2, 3), VAULT);

		assertThat(response.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new TestResponse(5));
		assertThat(handled).hasValue(2);
	}

	@Test
	void aRequestLostTwiceFailsFastWithARetryableError() throws Exception {
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider();
		AtomicInteger lost = new AtomicInteger();
		crypto.loseSendsWhere(message -> isRequest(message) && lost.incrementAndGet() > 0);
		IpcClient worker = client(connect(WORKER), crypto);
		client(connect(VAULT), new NoEncryptionCryptoProvider());

		CompletableFuture<TestResponse> response = worker.request(new TestRequest(1, 2), VAULT);
		await().atMost(WAIT).until(() -> lost.get() == 1);
		crypto.context().events().sessionInvalidated(VAULT, PEER_SENT_CRYPTO_INVALIDATED);
		await().atMost(WAIT).until(() -> lost.get() == 2); // the transparent retry
		crypto.context().events().sessionInvalidated(VAULT, PEER_SENT_CRYPTO_INVALIDATED);

		assertThatThrownBy(() -> response.get(WAIT.toSeconds(), TimeUnit.SECONDS))
			.isInstanceOf(ExecutionException.class)
			.cause()
			.isInstanceOf(IpcException.class)
			.hasMessageContaining("could not decrypt")
			.satisfies(cause -> assertThat(((IpcException) cause).kind()).isEqualTo(ErrorKind.OTHER));
		assertThat(handled).hasValue(0);
	}

	@Test
	void otherInvalidationsAndOtherPeersDoNotResendARequest() throws Exception {
		ProgrammableCryptoProvider crypto = new ProgrammableCryptoProvider();
		AtomicInteger sent = new AtomicInteger();
		crypto.loseSendsWhere(message -> isRequest(message) && sent.incrementAndGet() > 0);
		IpcClient worker = client(connect(WORKER), crypto);
		client(connect(VAULT), new NoEncryptionCryptoProvider());

		CompletableFuture<TestResponse> response = worker.request(new TestRequest(1, 2), VAULT, Duration.ofMillis(300));
		await().atMost(WAIT).until(() -> sent.get() == 1);
		crypto.context().events().sessionInvalidated(VAULT, "rehandshake");
		crypto.context().events().sessionInvalidated(Endpoint.named("other"), PEER_SENT_CRYPTO_INVALIDATED);
		assertThatThrownBy(() -> response.get(WAIT.toSeconds(), TimeUnit.SECONDS))
			.hasCauseInstanceOf(dev.ipc.rpc.RpcTimeoutException.class);
		assertThat(sent).hasValue(1);
	}

	@Test
	void aRepeatedRequestIdFromTheSameSourceRunsTheHandlerOnce() throws Exception {
		TestCommunicationBackend backend = new TestCommunicationBackend();
		List<DropReason> drops = new CopyOnWriteArrayList<>();
		IpcClient vault = IpcClient.builder()
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.listener(new IpcEventListener() {
				@Override
				public void messageDropped(DropReason reason, Endpoint peer) {
					drops.add(reason);
				}
			})
			.build();
		resources.add(vault);
		vault.registerRpcHandler(TestRequest.class, (request, context) -> {
			handled.incrementAndGet();
			return new TestResponse(request.a() + request.b());
		});
		vault.start();
		byte[] request = "{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-1\",\"request_type\":\"TestRequest\"}"
			.getBytes();
		Source worker = Source.of(WORKER);
		backend.pushIncoming(new IncomingMessage(request, VAULT, worker, Topics.RPC_REQUEST));
		await().atMost(WAIT).until(() -> backend.outgoing().size() == 1);
		backend.pushIncoming(new IncomingMessage(request, VAULT, worker, Topics.RPC_REQUEST));
		await().atMost(WAIT).until(() -> drops.contains(DropReason.DUPLICATE_RPC_REQUEST));
		// the same id from another source is another request
		backend
			.pushIncoming(new IncomingMessage(request, VAULT, Source.of(Endpoint.named("other")), Topics.RPC_REQUEST));
		await().atMost(WAIT).until(() -> backend.outgoing().size() == 2);
		assertThat(handled).hasValue(2);
		assertThat(drops).containsExactly(DropReason.DUPLICATE_RPC_REQUEST);
	}

	// ---------------------------------------------------------------- A7: a reply that
	// cannot be sent

	@Test
	void aReplyTooLargeForTheTransportIsAnsweredWithAnErrorPromptly() throws Exception {
		IpcClient worker = client(connect(WORKER), limitedProvider());
		client(connect(VAULT), limitedProvider());

		CompletableFuture<String> response = worker.request(new BigRequest(200_000, ""), VAULT);

		assertThatThrownBy(() -> response.get(WAIT.toSeconds(), TimeUnit.SECONDS))
			.isInstanceOf(ExecutionException.class)
			.cause()
			.isInstanceOf(RpcRemoteException.class)
			.satisfies(cause -> {
				RpcError error = ((RpcRemoteException) cause).error();
				assertThat(error).isInstanceOf(RpcError.ResponseSerialization.class);
				String text = ((RpcError.ResponseSerialization) error).message();
				assertThat(text).startsWith("response could not be sent: ")
					.doesNotContain("Exception")
					.hasSizeLessThan(200);
			});
		// and both sides keep working
		assertThat(worker.request(new BigRequest(10, ""), VAULT).get(WAIT.toSeconds(), TimeUnit.SECONDS))
			.isEqualTo("x".repeat(10));
	}

	@Test
	void anOversizedRequestFailsTheCallAtOnce() throws Exception {
		IpcClient worker = client(connect(WORKER), limitedProvider());
		client(connect(VAULT), limitedProvider());

		CompletableFuture<String> response = worker.request(new BigRequest(1, "y".repeat(200_000)), VAULT);

		assertThat(response).isCompletedExceptionally();
		assertThatThrownBy(response::join).cause().isInstanceOf(IpcException.class);
	}

	/**
	 * A provider whose largest message (100,000 bytes) the 200,000-byte payloads above
	 * exceed (the default, 16 MiB, would send them as fragments).
	 */
	private static NoiseCryptoProvider limitedProvider() {
		return NoiseCryptoProvider.builder().maxMessageSize(100_000).build();
	}

}
