package dev.ipc.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.model.Topics;
import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcHandlerException;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.rpc.RpcSerializationException;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.support.Fixtures.Availability;
import dev.ipc.support.Fixtures.OtherRequest;
import dev.ipc.support.Fixtures.TestHandler;
import dev.ipc.support.Fixtures.TestRequest;
import dev.ipc.support.Fixtures.TestResponse;
import dev.ipc.testing.TestCommunicationBackend;

import static dev.ipc.support.Fixtures.BACKGROUND;
import static dev.ipc.support.Fixtures.WEB_SOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * RPC behaviour: the reference tests (spec §7 items 15–19), the newer revision's
 * {@code response_topic}, and the fixes of spec §8 items 3–9.
 */
class RpcTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final Source BACKGROUND_SOURCE = Source.of(BACKGROUND);

	private static final Endpoint WEB = WEB_SOURCE.toEndpoint();

	private final PayloadCodec codec = PayloadCodec.defaults();

	private final TestCommunicationBackend backend = new TestCommunicationBackend();

	private final List<IpcClient> clients = new ArrayList<>();

	private final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

	private final IpcEventListener recorder = new IpcEventListener() {
		@Override
		public void messageDropped(DropReason reason, Endpoint peer) {
			events.add("dropped:" + reason);
		}

		@Override
		public void rpcClientCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
			events.add("client:" + requestType + ":" + outcome);
		}

		@Override
		public void rpcServerCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
			events.add("server:" + requestType + ":" + outcome);
		}
	};

	@AfterEach
	void close() {
		clients.forEach(IpcClient::close);
	}

	private IpcClient started() {
		return started(IpcClient.builder());
	}

	private IpcClient started(IpcClientBuilder builder) {
		IpcClient client = builder.backend(backend)
			.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
			.listener(recorder)
			.build();
		clients.add(client);
		client.start();
		return client;
	}

	private OutgoingMessage awaitOutgoing(int count) {
		await().atMost(WAIT).until(() -> backend.outgoing().size() >= count);
		return backend.outgoing().get(count - 1);
	}

	private void pushResponse(String json, String topic, Source from) {
		backend.pushIncoming(new IncomingMessage(json.getBytes(), WEB, from, topic));
	}

	private void pushRequest(String json, Source from) {
		backend.pushIncoming(new IncomingMessage(json.getBytes(), BACKGROUND, from, Topics.RPC_REQUEST));
	}

	private JsonNode json(OutgoingMessage message) {
		return codec.readTree(message.payload());
	}

	// 15, with the newer revision's response_topic
	@Test
	void requestSendsMessageAndReturnsResponse() throws Exception {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		OutgoingMessage sent = awaitOutgoing(1);
		assertThat(sent.topic()).isEqualTo("RpcRequestMessage");
		assertThat(sent.destination()).isEqualTo(BACKGROUND);
		JsonNode envelope = json(sent);
		String id = envelope.get("request_id").asString();
		assertThat(new String(sent.payload())).isEqualTo("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"" + id
				+ "\",\"request_type\":\"TestRequest\",\"response_topic\":\"RpcResponseMessage:" + id + "\"}");
		assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
		pushResponse(
				"{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}",
				"RpcResponseMessage", BACKGROUND_SOURCE);
		assertThat(response.get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(3));
		await().atMost(WAIT).until(() -> events.contains("client:TestRequest:SUCCESS"));
	}

	// 16
	@Test
	void concurrentRequestOfADifferentTypeDoesNotDisturbAPendingRequest() throws Exception {
		IpcClient client = started();
		CompletableFuture<TestResponse> test = client.request(new TestRequest(1, 2), BACKGROUND);
		CompletableFuture<Availability> other = client.request(new OtherRequest(), BACKGROUND);
		awaitOutgoing(2);
		String testId = json(backend.outgoing().get(0)).get("request_id").asString();
		JsonNode otherEnvelope = json(backend.outgoing().get(1));
		assertThat(otherEnvelope.get("request").isNull()).as("a unit request is null on the wire").isTrue();
		String otherId = otherEnvelope.get("request_id").asString();
		pushResponse("{\"result\":{\"Ok\":\"Available\"},\"request_id\":\"" + otherId
				+ "\",\"request_type\":\"OtherRequest\"}", "RpcResponseMessage:" + otherId, BACKGROUND_SOURCE);
		pushResponse("{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + testId
				+ "\",\"request_type\":\"TestRequest\"}", "RpcResponseMessage:" + testId, BACKGROUND_SOURCE);
		assertThat(other.get(5, TimeUnit.SECONDS)).isEqualTo(Availability.Available);
		assertThat(test.get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(3));
	}

	// 17 (old peers: no response_topic → reply on RpcResponseMessage)
	@Test
	void incomingRequestWithoutResponseTopicIsAnsweredOnRpcResponseMessage() {
		IpcClient client = started();
		client.registerRpcHandler(TestRequest.class, new TestHandler());
		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-1\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		OutgoingMessage reply = awaitOutgoing(1);
		assertThat(reply.topic()).isEqualTo("RpcResponseMessage");
		assertThat(reply.destination()).isEqualTo(WEB);
		assertThat(new String(reply.payload()))
			.isEqualTo("{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"id-1\",\"request_type\":\"TestRequest\"}");
	}

	// newer revision: reply on the request's response_topic, whatever it is
	@Test
	void incomingRequestIsAnsweredOnItsResponseTopic() {
		IpcClient client = started();
		client.registerRpcHandler(TestRequest.class, new TestHandler());
		pushRequest(
				"{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-2\",\"request_type\":\"TestRequest\",\"response_topic\":\"rt\"}",
				WEB_SOURCE);
		assertThat(awaitOutgoing(1).topic()).isEqualTo("rt");
	}

	// 18
	@Test
	void unknownRequestTypeIsAnsweredWithNoHandlerFound() {
		started();
		pushRequest(
				"{\"request\":null,\"request_id\":\"id-3\",\"request_type\":\"Nope\",\"response_topic\":\"RpcResponseMessage:id-3\"}",
				WEB_SOURCE);
		assertThat(new String(awaitOutgoing(1).payload()))
			.isEqualTo("{\"result\":{\"Err\":\"NoHandlerFound\"},\"request_id\":\"id-3\",\"request_type\":\"Nope\"}");
		await().atMost(WAIT).until(() -> events.contains("server:unknown:NO_HANDLER"));
	}

	// 19, plus the caller's Source reaching the handler (spec §8 item 7)
	@Test
	void registeredHandlerRunsWithTheCallersSource() {
		IpcClient client = started();
		AtomicReference<RpcContext> seen = new AtomicReference<>();
		client.registerRpcHandler(TestRequest.class, (request, context) -> {
			seen.set(context);
			return new TestResponse(request.a() + request.b());
		});
		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"test_id\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		awaitOutgoing(1);
		assertThat(seen.get()).isEqualTo(new RpcContext(WEB_SOURCE, BACKGROUND, "test_id", "TestRequest"));
	}

	@Test
	void undecodableRequestBodyIsAnsweredWithRequestDeserialization() {
		IpcClient client = started();
		client.registerRpcHandler(TestRequest.class, new TestHandler());
		pushRequest(
				"{\"request\":{\"a\":\"not a number\",\"b\":2},\"request_id\":\"id-4\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		JsonNode reply = json(awaitOutgoing(1));
		assertThat(reply.get("result").get("Err").has("RequestDeserialization")).isTrue();
		assertThat(reply.get("request_id").asString()).isEqualTo("id-4");
		assertThat(reply.get("result").get("Err").get("RequestDeserialization").asString())
			.as("the caller learns neither our class names nor Jackson's detail")
			.isEqualTo("the request body does not match the handler's request type")
			.doesNotContain(TestRequest.class.getName(), "not a number");
	}

	// spec §8 item 6: the reference sends nothing when the envelope is unparsable
	@Test
	void unparsableEnvelopeWithoutAnIdIsDroppedAndCounted() {
		started();
		pushRequest("not json", WEB_SOURCE);
		pushRequest("{\"request\":1}", WEB_SOURCE);
		await().atMost(WAIT).until(() -> events.stream().filter("dropped:MALFORMED_RPC"::equals).count() == 2);
		assertThat(backend.outgoing()).isEmpty();
	}

	@Test
	void throwingHandlerProducesAnErrorReplyNamingOnlyTheExceptionClass() {
		IpcClient client = started();
		client.registerRpcHandler(TestRequest.class, (request, context) -> {
			throw new IllegalStateException("secret internal detail");
		});
		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-5\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		String reply = new String(awaitOutgoing(1).payload());
		assertThat(reply).isEqualTo(
				"{\"result\":{\"Err\":{\"ResponseSerialization\":\"handler failed: IllegalStateException\"}},\"request_id\":\"id-5\",\"request_type\":\"TestRequest\"}");
		await().atMost(WAIT).until(() -> events.contains("server:TestRequest:HANDLER_ERROR"));
	}

	@Test
	void handlerExceptionMessageIsSentToTheCaller() {
		IpcClient client = started();
		client.registerAsyncRpcHandler(TestRequest.class,
				(request, context) -> CompletableFuture.failedFuture(new RpcHandlerException("vault is locked")));
		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-6\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		assertThat(new String(awaitOutgoing(1).payload()))
			.contains("{\"Err\":{\"ResponseSerialization\":\"vault is locked\"}}");
	}

	/** A value Jackson cannot serialize: its only property throws. */
	public static final class Unserializable {

		public String getValue() {
			throw new IllegalStateException("cannot serialize");
		}

	}

	@IpcPayload("Unserializable")
	record UnserializableRequest() implements RpcRequest<Unserializable> {
	}

	@Test
	void unserializableResponseIsAnsweredWithResponseSerialization() {
		IpcClient client = started();
		client.registerRpcHandler(UnserializableRequest.class, (request, context) -> new Unserializable());
		pushRequest("{\"request\":null,\"request_id\":\"id-7\",\"request_type\":\"Unserializable\"}", WEB_SOURCE);
		assertThat(json(awaitOutgoing(1)).get("result").get("Err").has("ResponseSerialization")).isTrue();
	}

	@Test
	void remoteErrorsCompleteTheRequestWithRpcRemoteException() {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		String id = json(awaitOutgoing(1)).get("request_id").asString();
		pushResponse("{\"result\":{\"Err\":\"NoHandlerFound\"},\"request_id\":\"" + id
				+ "\",\"request_type\":\"TestRequest\"}", "RpcResponseMessage:" + id, BACKGROUND_SOURCE);
		assertThatThrownBy(() -> response.get(5, TimeUnit.SECONDS)).cause()
			.isInstanceOf(RpcRemoteException.class)
			.hasMessageContaining("TestRequest")
			.satisfies(ex -> assertThat(((RpcRemoteException) ex).error()).isEqualTo(RpcError.NO_HANDLER_FOUND));
	}

	// spec §8 item 5: the reference hangs on a malformed response to our id
	@Test
	void malformedResponseToOurIdFailsFastWithResponseDeserialization() {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND,
				Duration.ofMinutes(1));
		String id = json(awaitOutgoing(1)).get("request_id").asString();
		pushResponse("{\"result\":{\"Ok\":\"not a TestResponse\"},\"request_id\":\"" + id
				+ "\",\"request_type\":\"TestRequest\"}", "RpcResponseMessage:" + id, BACKGROUND_SOURCE);
		assertThatThrownBy(() -> response.get(5, TimeUnit.SECONDS)).cause()
			.isInstanceOf(RpcSerializationException.class)
			.satisfies(ex -> assertThat(((RpcSerializationException) ex).error())
				.isInstanceOf(RpcError.ResponseDeserialization.class));
	}

	// spec §8 item 4: the reference has no timeout at all
	@Test
	void requestTimesOutWithADistinctError() {
		IpcClient client = started(IpcClient.builder().defaultRpcTimeout(Duration.ofMillis(200)));
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		assertThatThrownBy(() -> response.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(RpcTimeoutException.class);
		await().atMost(WAIT).until(() -> events.contains("client:TestRequest:TIMEOUT"));
		// a late response is dropped and counted, not delivered to the abandoned request
		String id = json(backend.outgoing().get(0)).get("request_id").asString();
		pushResponse(
				"{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}",
				"RpcResponseMessage:" + id, BACKGROUND_SOURCE);
	}

	@Test
	void perCallTimeoutOverridesTheDefault() {
		IpcClient client = started(IpcClient.builder().defaultRpcTimeout(Duration.ofMinutes(10)));
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND,
				Duration.ofMillis(100));
		assertThatThrownBy(() -> response.get(5, TimeUnit.SECONDS)).cause()
			.isInstanceOf(RpcTimeoutException.class)
			.hasMessageContaining("100 ms");
	}

	@Test
	void cancelledRequestIsForgottenAndItsLateResponseIsDropped() throws Exception {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		String id = json(awaitOutgoing(1)).get("request_id").asString();
		assertThat(response.cancel(true)).isTrue();
		await().atMost(WAIT).until(() -> events.contains("client:TestRequest:CANCELLED"));
		pushResponse(
				"{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}",
				"RpcResponseMessage:" + id, BACKGROUND_SOURCE);
		await().atMost(WAIT).until(() -> events.contains("dropped:UNMATCHED_RPC_RESPONSE"));
		assertThatThrownBy(response::join).isInstanceOf(CancellationException.class);
	}

	@Test
	void responseFromAnotherSourceDoesNotCompleteTheRequest() throws Exception {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		String id = json(awaitOutgoing(1)).get("request_id").asString();
		String body = "{\"result\":{\"Ok\":{\"result\":99}},\"request_id\":\"" + id
				+ "\",\"request_type\":\"TestRequest\"}";
		pushResponse(body, "RpcResponseMessage:" + id, Source.DESKTOP_MAIN);
		await().atMost(WAIT).until(() -> events.contains("dropped:UNMATCHED_RPC_RESPONSE"));
		assertThat(response).isNotDone();
		// replace the result only: the random request id may contain "99" too
		pushResponse(body.replace("\"result\":99", "\"result\":3"), "RpcResponseMessage:" + id, BACKGROUND_SOURCE);
		assertThat(response.get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(3));
	}

	@Test
	void responseOnAnUnrelatedTopicIsStillMatchedByRequestId() throws Exception {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		String id = json(awaitOutgoing(1)).get("request_id").asString();
		pushResponse(
				"{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}",
				"custom-topic", BACKGROUND_SOURCE);
		assertThat(response.get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(3));
	}

	@Test
	void responsesAreAlsoDeliveredToSubscribers() throws Exception {
		IpcClient client = started();
		Subscription all = client.subscribeAll();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		String id = json(awaitOutgoing(1)).get("request_id").asString();
		pushResponse(
				"{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}",
				"RpcResponseMessage:" + id, BACKGROUND_SOURCE);
		response.get(5, TimeUnit.SECONDS);
		assertThat(all.receive(WAIT).topic()).isEqualTo("RpcResponseMessage:" + id);
	}

	// spec §8 item 3: in the reference, more than 64 unrelated messages before the
	// response fail the request with Lagged
	@Test
	void aFloodOfUnrelatedMessagesCannotFailAPendingRequest() throws Exception {
		IpcClient client = started(IpcClient.builder().subscriberQueueCapacity(2));
		client.subscribeAll(); // a subscriber nobody drains
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		String id = json(awaitOutgoing(1)).get("request_id").asString();
		for (int i = 0; i < 500; i++) {
			backend.pushIncoming(new IncomingMessage(new byte[] { 1 }, WEB, BACKGROUND_SOURCE, "noise"));
		}
		pushResponse(
				"{\"result\":{\"Ok\":{\"result\":3}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}",
				"RpcResponseMessage:" + id, BACKGROUND_SOURCE);
		assertThat(response.get(5, TimeUnit.SECONDS)).isEqualTo(new TestResponse(3));
	}

	@Test
	void unreachableDestinationFailsTheRequestAtOnce() {
		backend.onSend(message -> {
			throw new dev.ipc.spi.IpcUnreachableException(message.destination());
		});
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		assertThatThrownBy(() -> response.get(5, TimeUnit.SECONDS)).cause()
			.isInstanceOf(dev.ipc.spi.IpcUnreachableException.class);
		assertThat(client.isRunning()).isTrue();
	}

	@Test
	void stoppingTheClientFailsPendingRequests() {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(1, 2), BACKGROUND);
		awaitOutgoing(1);
		client.stop();
		assertThatThrownBy(() -> response.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(IpcClosedException.class);
	}

	@IpcPayload("BadRequest")
	record BadRequest(Unserializable value) implements RpcRequest<TestResponse> {
	}

	@Test
	void unserializableRequestFailsLocallyWithRequestSerialization() {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new BadRequest(new Unserializable()), BACKGROUND);
		assertThatThrownBy(() -> response.get(5, TimeUnit.SECONDS)).cause()
			.isInstanceOf(RpcSerializationException.class)
			.satisfies(ex -> assertThat(((RpcSerializationException) ex).error())
				.isInstanceOf(RpcError.RequestSerialization.class));
		assertThat(backend.outgoing()).isEmpty();
	}

	// spec §8 item 9: a fatal error while sending a response stops the client, as a fatal
	// send does
	@Test
	void fatalErrorWhileReplyingStopsTheClient() {
		backend.onSend(message -> {
			throw new IpcException(ErrorKind.FATAL, "transport gone");
		});
		IpcClient client = started();
		client.registerRpcHandler(TestRequest.class, new TestHandler());
		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-8\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		await().atMost(WAIT).until(() -> !client.isRunning());
		assertThat(client.lastFatalError()).get().asString().contains("transport gone");
	}

	// spec §8 item 7: the reference silently lets the last registration win
	@Test
	void duplicateHandlerRegistrationFailsByDefault() {
		IpcClient client = started();
		client.registerRpcHandler(TestRequest.class, new TestHandler());
		assertThatThrownBy(() -> client.registerRpcHandler(TestRequest.class, new TestHandler()))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("'TestRequest'");
	}

	@Test
	void duplicateHandlerRegistrationReplacesWhenConfigured() {
		IpcClient client = started(IpcClient.builder().duplicateHandlerPolicy(DuplicateHandlerPolicy.REPLACE));
		client.registerRpcHandler(TestRequest.class, new TestHandler());
		client.registerRpcHandler(TestRequest.class, (request, context) -> new TestResponse(42));
		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"id-9\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		assertThat(new String(awaitOutgoing(1).payload())).contains("{\"Ok\":{\"result\":42}}");
	}

	@Test
	void closingARegistrationUnregistersTheHandler() {
		IpcClient client = started();
		Registration registration = client.registerRpcHandler(TestRequest.class, new TestHandler());
		assertThat(client.rpcHandlerNames()).containsExactly("TestRequest");
		registration.close();
		assertThat(client.rpcHandlerNames()).isEmpty();
		client.registerRpcHandler(TestRequest.class, new TestHandler());
	}

	// spec §8 item 7: handlers run concurrently, off the receive loop, and do not stall
	// registrations
	@Test
	void handlersRunConcurrentlyOffTheReceiveLoop() throws Exception {
		IpcClient client = started();
		CountDownLatch bothRunning = new CountDownLatch(2);
		CountDownLatch release = new CountDownLatch(1);
		List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
		client.registerRpcHandler(TestRequest.class, (request, context) -> {
			threads.add(Thread.currentThread().getName());
			bothRunning.countDown();
			release.await();
			return new TestResponse(0);
		});
		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"c1\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		pushRequest("{\"request\":{\"a\":1,\"b\":2},\"request_id\":\"c2\",\"request_type\":\"TestRequest\"}",
				WEB_SOURCE);
		assertThat(bothRunning.await(5, TimeUnit.SECONDS)).isTrue();
		// registration is not blocked by running handlers
		client.registerRpcHandler(OtherRequest.class, (request, context) -> Availability.Available);
		// and the receive loop still serves other traffic
		Subscription subscription = client.subscribe("t");
		backend.pushIncoming(new IncomingMessage(new byte[] { 1 }, BACKGROUND, WEB_SOURCE, "t"));
		assertThat(subscription.receive(WAIT)).isNotNull();
		release.countDown();
		awaitOutgoing(2);
		assertThat(threads).allSatisfy(name -> assertThat(name).startsWith("ipc-worker-"));
	}

	@Test
	void requestWithoutWireNameIsRejected() {
		IpcClient client = started();
		record Anonymous() implements RpcRequest<String> {
		}
		assertThatThrownBy(() -> client.request(new Anonymous(), BACKGROUND))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("@IpcPayload");
	}

	@Test
	void blockingCallerSeesTheResponseThroughJoin() throws Exception {
		IpcClient client = started();
		CompletableFuture<TestResponse> response = client.request(new TestRequest(2, 2), BACKGROUND);
		String id = json(awaitOutgoing(1)).get("request_id").asString();
		assertThatThrownBy(() -> response.get(10, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
		pushResponse(
				"{\"result\":{\"Ok\":{\"result\":4}},\"request_id\":\"" + id + "\",\"request_type\":\"TestRequest\"}",
				"RpcResponseMessage:" + id, BACKGROUND_SOURCE);
		try {
			assertThat(response.get(5, TimeUnit.SECONDS).result()).isEqualTo(4);
		}
		catch (ExecutionException ex) {
			throw new AssertionError(ex);
		}
	}

}
