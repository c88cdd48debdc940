package dev.ipc.spring.annotation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import jakarta.validation.Valid;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.core.MethodParameter;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.messaging.handler.annotation.support.DefaultMessageHandlerMethodFactory;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.messaging.handler.invocation.HandlerMethodArgumentResolver;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.OtherEvent;
import dev.ipc.spring.test.TestPayloads.Sum;
import dev.ipc.spring.test.TestPayloads.SumResult;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Annotated handlers on spring-messaging's infrastructure, end to end over an
 * {@link InMemoryBus}: {@code @Payload}, {@code @Header} with the {@link IpcHeaders},
 * {@code @Headers}, {@code Message<T>}, a custom argument resolver from an
 * {@link IpcHandlerConfigurer}, and a {@code MessageHandlerMethodFactory} of the
 * application's own.
 */
class IpcMessagingHandlersTest {

	private static final Endpoint VAULT = Endpoint.named("vault");

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner vault = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, ValidationAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus);

	@Test
	void handlersTakeHeadersPayloadsMessagesAndCustomArguments() {
		this.vault.withBean(MessagingHandlers.class).withBean(CallerConfigurer.class).run((context) -> {
			assertThat(context).hasNotFailed();
			MessagingHandlers handlers = context.getBean(MessagingHandlers.class);
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				worker.client().send(new TestEvent("done"), VAULT);
				worker.client().send(new OtherEvent(7), VAULT);
				await().atMost(5, TimeUnit.SECONDS)
					.until(() -> handlers.events.size() == 1 && handlers.others.size() == 1);
				assertThat(handlers.events)
					.containsExactly("done from worker (caller worker) on test.event, user null");
				assertThat(handlers.others).containsExactly("7 from worker");

				SumResult sum = worker.client().request(new Sum(2, 3), VAULT).get(5, TimeUnit.SECONDS);
				assertThat(sum.value()).isEqualTo(5);
				Map<String, Object> headers = handlers.requestHeaders.get(0);
				assertThat(headers).containsEntry(IpcHeaders.REQUEST_TYPE, "test.sum")
					.containsEntry(IpcHeaders.SOURCE_NAME, "worker")
					.containsEntry(IpcHeaders.SOURCE, new Source.Named("worker", null))
					.containsEntry(IpcHeaders.DESTINATION, VAULT)
					.containsKeys(IpcHeaders.RPC_CONTEXT)
					.doesNotContainKeys(IpcHeaders.SOURCE_USER, IpcHeaders.RECEIVED_MESSAGE);
				assertThat(handlers.requestIds).singleElement()
					.isEqualTo(headers.get(IpcHeaders.REQUEST_ID))
					.isNotEqualTo("");
			}
		});
	}

	@Test
	void validationStillAppliesToPayloadParameters() {
		this.vault.withBean(MessagingHandlers.class).withBean(CallerConfigurer.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				Throwable failure = catchThrowable(
						() -> worker.client().request(new Sum(-1, 3), VAULT).get(5, TimeUnit.SECONDS));
				assertThat(failure).cause()
					.isInstanceOf(RpcRemoteException.class)
					.hasMessageContaining("Invalid request: a must be greater than or equal to 0");
				assertThat(context.getBean(MessagingHandlers.class).requestIds).isEmpty();
			}
		});
	}

	@Test
	void aParameterNothingResolvesFailsStartup() {
		this.vault.withBean(MessagingHandlers.class).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			while (failure != null && !(failure instanceof IpcHandlerDefinitionException)) {
				failure = failure.getCause();
			}
			assertThat(failure).isInstanceOf(IpcHandlerDefinitionException.class)
				.hasMessageContaining(
						MessagingHandlers.class.getName() + ".onEvent(TestEvent, String, String, String, Caller)")
				.hasMessageContaining("nothing resolves its parameter 5 (Caller)")
				.hasMessageContaining("IpcHandlerConfigurer");
		});
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void aRequestBodyThatDoesNotBindIsAnsweredWithoutOurClassNames(CapturedOutput output) {
		this.vault.withBean(MessagingHandlers.class).withBean(CallerConfigurer.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				Throwable failure = catchThrowable(() -> worker.client()
					.request(new dev.ipc.spring.test.TestPayloads.BadSum("two"), VAULT)
					.get(5, TimeUnit.SECONDS));
				assertThat(failure).cause().isInstanceOf(RpcRemoteException.class);
				RpcError error = ((RpcRemoteException) failure.getCause()).error();
				assertThat(error).isInstanceOf(RpcError.RequestDeserialization.class);
				assertThat(((RpcError.RequestDeserialization) error).message()).doesNotContain("dev.ipc", "Sum", "two");
				await().atMost(5, TimeUnit.SECONDS)
					.alias("the detail stays in the local log")
					.until(() -> output.getOut().contains("does not match " + Sum.class.getName()));
			}
		});
	}

	@Test
	void theApplicationsOwnFactoryWins() {
		this.vault.withBean(OwnFactoryHandlers.class)
			.withBean(IpcMessageHandlerMethodFactory.BEAN_NAME, MessageHandlerMethodFactory.class, () -> {
				DefaultMessageHandlerMethodFactory factory = new DefaultMessageHandlerMethodFactory();
				factory.setCustomArgumentResolvers(List.of(new CallerResolver()));
				return factory;
			})
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(IpcMessageHandlerMethodFactory.BEAN_NAME))
					.isExactlyInstanceOf(DefaultMessageHandlerMethodFactory.class);
				assertThat(context).doesNotHaveBean(IpcMessageHandlerMethodFactory.class);
				OwnFactoryHandlers handlers = context.getBean(OwnFactoryHandlers.class);
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					worker.client().send(new TestEvent("hi"), VAULT);
					await().atMost(5, TimeUnit.SECONDS).until(() -> handlers.events.size() == 1);
					assertThat(handlers.events).as("Source and IncomingMessage reach the method with any factory")
						.containsExactly("hi from Named[name=worker, user=null] (caller worker), 13 bytes");
				}
			});
	}

	@Test
	void aNullPayloadReachesOnlyParametersThatAllowIt() {
		this.vault.withBean(NullableHandlers.class)
			.withBean("recordingErrorHandler", RecordingErrorHandler.class)
			.run((context) -> {
				NullableHandlers handlers = context.getBean(NullableHandlers.class);
				RecordingErrorHandler errors = context.getBean(RecordingErrorHandler.class);
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					byte[] jsonNull = "null".getBytes(java.nio.charset.StandardCharsets.UTF_8);
					worker.client().send(new dev.ipc.model.OutgoingMessage(jsonNull, VAULT, "test.event"));
					worker.client().send(new dev.ipc.model.OutgoingMessage(jsonNull, VAULT, "test.other-event"));
					worker.client().send(new dev.ipc.model.OutgoingMessage(new byte[0], VAULT, "raw.topic"));
					await().atMost(5, TimeUnit.SECONDS)
						.until(() -> handlers.received.size() == 2 && errors.failures.size() == 1);
					assertThat(handlers.received).containsExactlyInAnyOrder("optional event: null", "raw: 0 bytes");
					assertThat(errors.failures.get(0).getTopic()).isEqualTo("test.other-event");
					assertThat(errors.failures.get(0).getCause()).isInstanceOf(IpcPayloadValidationException.class)
						.hasMessageContaining("Payload value must not be empty");
				}
			});
	}

	static class NullableHandlers {

		final List<String> received = new CopyOnWriteArrayList<>();

		@IpcSubscriber
		void onEvent(@Payload(required = false) @Nullable TestEvent event) {
			this.received.add("optional event: " + event);
		}

		@IpcSubscriber(errorHandler = "recordingErrorHandler")
		void onOther(OtherEvent event) {
			this.received.add("required event: " + event);
		}

		@IpcSubscriber(topic = "raw.topic")
		void onRaw(byte[] payload) {
			this.received.add("raw: " + payload.length + " bytes");
		}

	}

	static class RecordingErrorHandler implements IpcErrorHandler {

		final List<IpcHandlerExecutionException> failures = new CopyOnWriteArrayList<>();

		@Override
		public void handleError(IncomingMessage message, IpcHandlerExecutionException exception) {
			this.failures.add(exception);
		}

	}

	/** Who called, as a custom resolver builds it. */
	record Caller(String name) {
	}

	static final class CallerResolver implements HandlerMethodArgumentResolver {

		@Override
		public boolean supportsParameter(MethodParameter parameter) {
			return parameter.getParameterType() == Caller.class;
		}

		@Override
		public Object resolveArgument(MethodParameter parameter, Message<?> message) {
			return new Caller((String) message.getHeaders().get(IpcHeaders.SOURCE_NAME));
		}

	}

	static class CallerConfigurer implements IpcHandlerConfigurer {

		@Override
		public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
			resolvers.add(new CallerResolver());
		}

	}

	static class MessagingHandlers {

		final List<String> events = new CopyOnWriteArrayList<>();

		final List<String> others = new CopyOnWriteArrayList<>();

		final List<String> requestIds = new CopyOnWriteArrayList<>();

		final List<Map<String, Object>> requestHeaders = new CopyOnWriteArrayList<>();

		@IpcSubscriber
		void onEvent(@Payload TestEvent event, @Header(IpcHeaders.SOURCE_NAME) String sender,
				@Header(IpcHeaders.TOPIC) String topic,
				@Header(name = IpcHeaders.SOURCE_USER, required = false) @Nullable String user, Caller caller) {
			this.events.add(event.text() + " from " + sender + " (caller " + caller.name() + ") on " + topic + ", user "
					+ user);
		}

		@IpcSubscriber
		void onOther(Message<OtherEvent> message) {
			this.others.add(message.getPayload().value() + " from " + message.getHeaders().get(IpcHeaders.SOURCE_NAME));
		}

		@IpcRpcHandler
		SumResult sum(@Payload @Valid Sum request, @Header(IpcHeaders.REQUEST_ID) String requestId,
				@Headers Map<String, Object> headers) {
			this.requestIds.add(requestId);
			this.requestHeaders.add(Map.copyOf(headers));
			return new SumResult(request.a() + request.b());
		}

	}

	static class OwnFactoryHandlers {

		final List<String> events = new CopyOnWriteArrayList<>();

		@IpcSubscriber
		void onEvent(@Payload TestEvent event, Source source, IncomingMessage message, Caller caller) {
			this.events.add(event.text() + " from " + source + " (caller " + caller.name() + "), "
					+ message.payload().length + " bytes");
		}

	}

}
