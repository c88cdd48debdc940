package dev.ipc.observation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientBuilder;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.model.Topics;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.support.Fixtures.TestHandler;
import dev.ipc.support.Fixtures.TestPayload;
import dev.ipc.support.Fixtures.TestRequest;
import dev.ipc.support.Fixtures.TestResponse;
import dev.ipc.testing.TestCommunicationBackend;

import static dev.ipc.support.Fixtures.BACKGROUND;
import static dev.ipc.support.Fixtures.WEB_SOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The observer hook: exchanges started and stopped, and the context carried in the
 * request envelope.
 */
class IpcObserverTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private final PayloadCodec codec = PayloadCodec.defaults();

	private final TestCommunicationBackend backend = new TestCommunicationBackend();

	private final List<IpcClient> clients = new ArrayList<>();

	private final List<String> log = new CopyOnWriteArrayList<>();

	private final List<Map<String, String>> serverContexts = new CopyOnWriteArrayList<>();

	private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

	private final IpcObserver recording = new IpcObserver() {
		@Override
		public Exchange rpcClient(String requestType, Endpoint destination, String requestId) {
			log.add("client-start:" + requestType);
			return exchange("client", Map.of("traceparent", "00-trace-span-01"));
		}

		@Override
		public Exchange rpcServer(String requestType, Source source, String requestId, Map<String, String> context) {
			log.add("server-start:" + requestType);
			serverContexts.add(context);
			return exchange("server", Map.of());
		}

		@Override
		public Exchange send(@Nullable String topic, Endpoint destination) {
			log.add("send-start:" + topic);
			return exchange("send", Map.of());
		}

		private Exchange exchange(String kind, Map<String, String> context) {
			return new Exchange() {
				@Override
				public Map<String, String> outgoingContext() {
					return context;
				}

				@Override
				public Scope openScope() {
					CURRENT.set(kind);
					return CURRENT::remove;
				}

				@Override
				public void stop(@Nullable RpcOutcome outcome, @Nullable Throwable failure) {
					log.add(kind + "-stop:" + outcome + ":"
							+ ((failure != null) ? failure.getClass().getSimpleName() : ""));
				}
			};
		}
	};

	@AfterEach
	void close() {
		clients.forEach(IpcClient::close);
	}

	private IpcClient started(IpcObserver observer) {
		IpcClientBuilder builder = IpcClient.builder()
			.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.observer(observer);
		IpcClient client = builder.build();
		clients.add(client);
		client.start();
		return client;
	}

	private OutgoingMessage awaitOutgoing(int count) {
		await().atMost(WAIT).until(() -> backend.outgoing().size() >= count);
		return backend.outgoing().get(count - 1);
	}

	private void pushRequest(String json) {
		backend.pushIncoming(new IncomingMessage(json.getBytes(), BACKGROUND, WEB_SOURCE, Topics.RPC_REQUEST));
	}

	@Test
	void aRequestCarriesTheObserversContextAndStopsWithItsOutcome() throws Exception {
		IpcClient client = started(recording);

		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		OutgoingMessage sent = awaitOutgoing(1);
		JsonNode envelope = codec.readTree(sent.payload());
		String id = envelope.get("request_id").asString();
		assertThat(new String(sent.payload())).isEqualTo("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"" + id
				+ "\",\"request_type\":\"TestRequest\",\"response_topic\":\"RpcResponseMessage:" + id
				+ "\",\"ipc_context\":{\"traceparent\":\"00-trace-span-01\"}}");
		backend.pushIncoming(new IncomingMessage(
				("{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}")
					.getBytes(),
				WEB_SOURCE.toEndpoint(), Source.of(BACKGROUND), Topics.responseTopicFor(id)));

		assertThat(response.get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(3));
		await().atMost(WAIT).until(() -> log.contains("client-stop:SUCCESS:"));
		assertThat(log).containsExactly("client-start:TestRequest", "client-stop:SUCCESS:");
	}

	@Test
	void withoutAnObserverTheEnvelopeIsTheReferences() {
		IpcClient client = started(IpcObserver.NOOP);

		client.request(new TestRequest(1, 2), BACKGROUND);

		assertThat(codec.readTree(awaitOutgoing(1).payload()).has(RpcContextCarrier.FIELD)).isFalse();
	}

	@Test
	void theResponderGetsTheCarriedContextAndTheHandlerRunsInTheExchangesScope() {
		IpcClient client = started(recording);
		List<String> seenByHandler = new CopyOnWriteArrayList<>();
		client.registerRpcHandler(TestRequest.class, (request, context) -> {
			seenByHandler.add(String.valueOf(CURRENT.get()));
			return new TestHandler().handle(request, context);
		});

		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-1\",\"request_type\":\"TestRequest\","
				+ "\"response_topic\":\"rt\",\"ipc_context\":{\"traceparent\":\"00-a-b-01\",\"b3\":\"x\"}}");

		assertThat(new String(awaitOutgoing(1).payload()))
			.isEqualTo("{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"id-1\",\"request_type\":\"TestRequest\"}");
		await().atMost(WAIT).until(() -> log.contains("server-stop:SUCCESS:"));
		assertThat(serverContexts).containsExactly(Map.of("traceparent", "00-a-b-01", "b3", "x"));
		assertThat(seenByHandler).containsExactly("server");
		assertThat(CURRENT.get()).isNull();
	}

	@Test
	void aCarriedContextIsReadWithinBounds() {
		started(recording);
		StringBuilder entries = new StringBuilder(
				"\"n\":1,\"o\":{\"x\":\"y\"},\"long\":\"" + "v".repeat(513) + "\",\"" + "k".repeat(65) + "\":\"v\"");
		for (int i = 0; i < 20; i++) {
			entries.append(",\"e").append(i).append("\":\"").append(i).append('"');
		}

		pushRequest("{\"request\":null,\"request_id\":\"id-2\",\"request_type\":\"Nope\",\"ipc_context\":{" + entries
				+ "}}");
		pushRequest("{\"request\":null,\"request_id\":\"id-3\",\"request_type\":\"Nope\",\"ipc_context\":\"text\"}");

		await().atMost(WAIT).until(() -> serverContexts.size() == 2);
		// the two are served concurrently: in either order
		assertThat(serverContexts).filteredOn(Map::isEmpty).hasSize(1);
		assertThat(serverContexts).filteredOn((context) -> !context.isEmpty())
			.singleElement()
			.satisfies((context) -> assertThat(context).hasSize(RpcContextCarrier.MAX_ENTRIES)
				.containsEntry("e0", "0")
				.doesNotContainKeys("n", "o", "long", "k".repeat(65), "e16"));
		await().atMost(WAIT).until(() -> backend.outgoing().size() == 2);
		assertThat(log).contains("server-start:unknown", "server-stop:NO_HANDLER:");
	}

	@Test
	void aSendIsObserved() {
		IpcClient client = started(recording);

		client.send(new TestPayload("x"), BACKGROUND);

		assertThat(awaitOutgoing(1).topic()).isEqualTo("TestPayload");
		assertThat(log).containsExactly("send-start:TestPayload", "send-stop:null:");
	}

	@Test
	void anObserverThatThrowsChangesNothingForTheApplicationOrThePeer() throws Exception {
		IpcObserver failing = new IpcObserver() {
			@Override
			public Exchange rpcServer(String requestType, Source source, String requestId, Map<String, String> ctx) {
				throw new IllegalStateException("observer bug");
			}

			@Override
			public Exchange rpcClient(String requestType, Endpoint destination, String requestId) {
				return new Exchange() {
					@Override
					public Map<String, String> outgoingContext() {
						throw new IllegalStateException("observer bug");
					}

					@Override
					public void stop(@Nullable RpcOutcome outcome, @Nullable Throwable failure) {
						throw new IllegalStateException("observer bug");
					}
				};
			}
		};
		IpcClient client = started(failing);
		client.registerRpcHandler(TestRequest.class, new TestHandler());

		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-4\",\"request_type\":\"TestRequest\"}");
		assertThat(new String(awaitOutgoing(1).payload())).contains("\"Ok\"");
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		OutgoingMessage sent = awaitOutgoing(2);
		assertThat(codec.readTree(sent.payload()).has(RpcContextCarrier.FIELD)).isFalse();
		String id = codec.readTree(sent.payload()).get("request_id").asString();
		backend.pushIncoming(new IncomingMessage(
				("{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}")
					.getBytes(),
				WEB_SOURCE.toEndpoint(), Source.of(BACKGROUND), Topics.responseTopicFor(id)));
		assertThat(response.get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(3));
	}

}
