package dev.ipc.spring.annotation;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.Ordered;

import dev.ipc.model.IncomingMessage;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.rpc.discover.DiscoverRequest;
import dev.ipc.rpc.discover.DiscoverResponse;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.Sum;
import dev.ipc.spring.test.TestPayloads.SumResult;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link IpcHandlerAnnotationBeanPostProcessor}: discovery (proxies, late
 * beans, placeholders) and every startup failure, each naming the method.
 */
class IpcHandlerAnnotationBeanPostProcessorTest {

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus);

	// -------------------------------------------------------------------------------------------------
	// discovery

	@Test
	void registersSubscribersAndRpcHandlers() {
		this.contextRunner.withBean(Handlers.class).run((context) -> {
			IpcSubscriberRegistry subscribers = context.getBean(IpcSubscriberRegistry.class);
			IpcRpcHandlerRegistry rpcHandlers = context.getBean(IpcRpcHandlerRegistry.class);
			assertThat(subscribers.getTopics()).containsExactlyInAnyOrder("test.event", "raw.topic");
			assertThat(rpcHandlers.getRequestNames()).containsExactly("test.sum");
			IpcSubscriberEndpoint onEvent = subscribers.getEndpoint(Handlers.class.getName() + ".onEvent");
			assertThat(onEvent).isNotNull();
			assertThat(onEvent.isRunning()).isTrue();
			assertThat(onEvent.describe()).isEqualTo(Handlers.class.getName() + ".onEvent(TestEvent, Source, String)");
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				worker.client().send(new TestEvent("hello"), TestClients.named("vault"));
				Handlers handlers = context.getBean(Handlers.class);
				await().atMost(5, TimeUnit.SECONDS).until(() -> handlers.events.size() == 1);
				assertThat(handlers.events).containsExactly("hello from worker on test.event");
				SumResult result = worker.client()
					.request(new Sum(2, 3), TestClients.named("vault"))
					.get(5, TimeUnit.SECONDS);
				assertThat(result.value()).isEqualTo(5);
			}
		});
	}

	static class Handlers {

		final CopyOnWriteArrayList<String> events = new CopyOnWriteArrayList<>();

		@IpcSubscriber
		void onEvent(TestEvent event, Source source, @IpcTopic String topic) {
			this.events.add(event.text() + " from " + ((Source.Named) source).name() + " on " + topic);
		}

		@IpcSubscriber(topic = "raw.topic")
		void onRaw(byte[] payload) {
		}

		@IpcRpcHandler
		SumResult sum(Sum request) {
			return new SumResult(request.a() + request.b());
		}

	}

	@Test
	void invokesHandlersThroughTheirProxy() {
		AtomicInteger intercepted = new AtomicInteger();
		this.contextRunner.withBean(Handlers.class)
			.withBean("proxying", ProxyingPostProcessor.class, () -> new ProxyingPostProcessor(intercepted))
			.run((context) -> {
				assertThat(org.springframework.aop.support.AopUtils.isCglibProxy(context.getBean(Handlers.class)))
					.isTrue();
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					worker.client().request(new Sum(1, 1), TestClients.named("vault")).get(5, TimeUnit.SECONDS);
				}
				assertThat(intercepted).hasValue(1);
			});
	}

	@Test
	void invokesInterfaceMethodsThroughAJdkProxy() {
		AtomicInteger intercepted = new AtomicInteger();
		this.contextRunner.withBean(EchoHandler.class)
			.withBean("proxying", JdkProxyingPostProcessor.class, () -> new JdkProxyingPostProcessor(intercepted))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
					assertThat(worker.client()
						.request(new Echo("hi"), TestClients.named("vault"))
						.get(5, TimeUnit.SECONDS)).isEqualTo("hi");
				}
				assertThat(intercepted).hasValue(1);
			});
	}

	@Test
	void failsWhenAJdkProxyDoesNotExposeTheMethod() {
		this.contextRunner.withBean(HiddenHandler.class)
			.withBean("proxying", JdkProxyingPostProcessor.class,
					() -> new JdkProxyingPostProcessor(new AtomicInteger()))
			.run((context) -> assertFailure(context, HiddenHandler.class.getName() + ".sum(Sum)",
					"cannot be invoked on its bean, which is a proxy"));
	}

	interface Echoing {

		String echo(Echo request);

	}

	static class EchoHandler implements Echoing {

		@Override
		@IpcRpcHandler
		public String echo(Echo request) {
			return request.text();
		}

	}

	static class HiddenHandler implements Echoing {

		@Override
		public String echo(Echo request) {
			return request.text();
		}

		@IpcRpcHandler
		public SumResult sum(Sum request) {
			return new SumResult(0);
		}

	}

	/**
	 * Creates proxies first, as Spring's auto-proxy creators do
	 * ({@code HIGHEST_PRECEDENCE}).
	 */
	record ProxyingPostProcessor(AtomicInteger intercepted) implements BeanPostProcessor, Ordered {

		@Override
		public int getOrder() {
			return HIGHEST_PRECEDENCE;
		}

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (!(bean instanceof Handlers)) {
				return bean;
			}
			ProxyFactory factory = new ProxyFactory(bean);
			factory.setProxyTargetClass(true);
			factory.addAdvice((MethodInterceptor) (invocation) -> {
				this.intercepted.incrementAndGet();
				return invocation.proceed();
			});
			return factory.getProxy();
		}

	}

	/**
	 * Creates proxies first, as Spring's auto-proxy creators do
	 * ({@code HIGHEST_PRECEDENCE}).
	 */
	record JdkProxyingPostProcessor(AtomicInteger intercepted) implements BeanPostProcessor, Ordered {

		@Override
		public int getOrder() {
			return HIGHEST_PRECEDENCE;
		}

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (!(bean instanceof Echoing)) {
				return bean;
			}
			ProxyFactory factory = new ProxyFactory(bean);
			factory.addInterface(Echoing.class);
			factory.addAdvice((MethodInterceptor) (invocation) -> {
				this.intercepted.incrementAndGet();
				return invocation.proceed();
			});
			return factory.getProxy();
		}

	}

	@Test
	void registersAndStartsLateBeans() {
		this.contextRunner.withUserConfiguration(LateConfiguration.class).run((context) -> {
			IpcSubscriberRegistry registry = context.getBean(IpcSubscriberRegistry.class);
			assertThat(registry.getEndpoints()).isEmpty();
			LateHandler late = context.getBean(LateHandler.class);
			assertThat(registry.getTopics()).containsExactly("test.event");
			assertThat(registry.getEndpoints().get(0).isRunning()).isTrue();
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				worker.client().send(new TestEvent("late"), TestClients.named("vault"));
				await().atMost(5, TimeUnit.SECONDS).until(() -> late.received.size() == 1);
			}
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class LateConfiguration {

		@Bean
		@Lazy
		LateHandler lateHandler() {
			return new LateHandler();
		}

	}

	static class LateHandler {

		final CopyOnWriteArrayList<TestEvent> received = new CopyOnWriteArrayList<>();

		@IpcSubscriber
		void on(TestEvent event) {
			this.received.add(event);
		}

	}

	@Test
	void resolvesPlaceholdersInAttributes() {
		this.contextRunner.withBean(PlaceholderHandler.class)
			.withPropertyValues("app.topic=configured.topic", "app.sources=worker, desk", "app.concurrency=3",
					"app.start=false")
			.run((context) -> {
				IpcSubscriberEndpoint endpoint = context.getBean(IpcSubscriberRegistry.class).getEndpoint("custom-id");
				assertThat(endpoint).isNotNull();
				assertThat(endpoint.getTopic()).isEqualTo("configured.topic");
				assertThat(endpoint.getSourceFilter().getSources()).containsExactly("desk", "worker");
				assertThat(endpoint.getSourceFilter().getUsers()).containsExactly(System.getProperty("user.name"));
				assertThat(endpoint.getConcurrency()).isEqualTo(3);
				assertThat(endpoint.isAutoStartup()).isFalse();
				assertThat(endpoint.isRunning()).isFalse();
				context.getBean(IpcSubscriberRegistry.class).start("custom-id");
				assertThat(endpoint.isRunning()).isTrue();
				context.getBean(IpcSubscriberRegistry.class).stop("custom-id");
				assertThat(endpoint.isRunning()).isFalse();
			});
	}

	static class PlaceholderHandler {

		@IpcSubscriber(id = "custom-id", topic = "${app.topic}", sources = "${app.sources}", users = "${user.name}",
				concurrency = "${app.concurrency}", autoStartup = "${app.start}")
		void on(IncomingMessage message) {
		}

	}

	@Test
	void globalDefaultsApplyWhenAttributesAreNotSet() {
		this.contextRunner.withBean(Handlers.class)
			.withPropertyValues("ipc.subscriber.concurrency=4", "ipc.rpc.concurrency=2",
					"ipc.handlers.auto-startup=false")
			.run((context) -> {
				IpcSubscriberEndpoint subscriber = context.getBean(IpcSubscriberRegistry.class)
					.getEndpoint(Handlers.class.getName() + ".onEvent");
				IpcRpcEndpoint rpc = context.getBean(IpcRpcHandlerRegistry.class)
					.getEndpoint(Handlers.class.getName() + ".sum");
				assertThat(subscriber.getConcurrency()).isEqualTo(4);
				assertThat(rpc.getConcurrency()).isEqualTo(2);
				assertThat(subscriber.isRunning()).isFalse();
				assertThat(rpc.isRunning()).isFalse();
			});
	}

	// -------------------------------------------------------------------------------------------------
	// failures

	@Test
	void failsOnDuplicateRequestTypesNamingBothMethods() {
		this.contextRunner.withBean(Handlers.class).withBean(DuplicateSum.class).run((context) -> {
			assertFailure(context, Handlers.class.getName() + ".sum(Sum)", "'test.sum'");
			assertFailure(context, DuplicateSum.class.getName() + ".add(Sum)", "exactly one handler");
		});
	}

	static class DuplicateSum {

		@IpcRpcHandler
		SumResult add(Sum request) {
			return new SumResult(0);
		}

	}

	@Test
	void failsOnASubscriberWithoutAPayloadParameter() {
		this.contextRunner.withBean(NoPayloadSubscriber.class)
			.run((context) -> assertFailure(context, NoPayloadSubscriber.class.getName() + ".on(Source)",
					"no usable payload parameter"));
	}

	static class NoPayloadSubscriber {

		@IpcSubscriber(topic = "x")
		void on(Source source) {
		}

	}

	@Test
	void failsOnAnRpcHandlerWithoutARequestParameter() {
		this.contextRunner.withBean(NoRequestHandler.class)
			.run((context) -> assertFailure(context, NoRequestHandler.class.getName() + ".handle(RpcContext)",
					"no usable payload parameter"));
		this.contextRunner.withBean(NotARequestHandler.class)
			.run((context) -> assertFailure(context, NotARequestHandler.class.getName() + ".handle(TestEvent)",
					"does not implement RpcRequest"));
	}

	static class NoRequestHandler {

		@IpcRpcHandler
		String handle(RpcContext context) {
			return "";
		}

	}

	static class NotARequestHandler {

		@IpcRpcHandler
		String handle(TestEvent event) {
			return "";
		}

	}

	@Test
	void failsOnTwoPayloadParameters() {
		this.contextRunner.withBean(TwoPayloads.class)
			.run((context) -> assertFailure(context, TwoPayloads.class.getName() + ".on(TestEvent, String)",
					"more than one payload parameter"));
	}

	static class TwoPayloads {

		@IpcSubscriber
		void on(TestEvent event, String other) {
		}

	}

	@Test
	void failsOnANonSerializableRequestType() {
		this.contextRunner.withBean(OpaqueRequestHandler.class)
			.run((context) -> assertFailure(context, OpaqueRequestHandler.class.getName() + ".handle(OpaqueRequest)",
					"request type that cannot be serialized", OpaqueRequest.class.getName()));
	}

	@Test
	void failsOnANonSerializableResponseType() {
		this.contextRunner.withBean(OpaqueResponseHandler.class)
			.run((context) -> assertFailure(context, OpaqueResponseHandler.class.getName() + ".handle(WantsOpaque)",
					"response type that cannot be serialized", Opaque.class.getName()));
	}

	@Test
	void failsOnANonDeserializablePayloadType() {
		this.contextRunner.withBean(AbstractPayloadSubscriber.class)
			.run((context) -> assertFailure(context, AbstractPayloadSubscriber.class.getName() + ".on(AbstractPayload)",
					"cannot be deserialized", "@JsonTypeInfo"));
	}

	/** Nothing for Jackson to write or read. */
	@IpcPayload("opaque")
	static final class OpaqueRequest implements RpcRequest<String> {

		@SuppressWarnings("unused")
		private int hidden;

	}

	static final class Opaque {

		@SuppressWarnings("unused")
		private int hidden;

	}

	@IpcPayload("wants-opaque")
	record WantsOpaque(int a) implements RpcRequest<Opaque> {
	}

	interface AbstractPayload {

		int value();

	}

	static class OpaqueRequestHandler {

		@IpcRpcHandler
		String handle(OpaqueRequest request) {
			return "";
		}

	}

	static class OpaqueResponseHandler {

		@IpcRpcHandler
		Opaque handle(WantsOpaque request) {
			return new Opaque();
		}

	}

	static class AbstractPayloadSubscriber {

		@IpcSubscriber(topic = "abstract")
		void on(AbstractPayload payload) {
		}

	}

	@Test
	void failsOnASubscriberPayloadJacksonCannotConstruct() {
		this.contextRunner.withBean(UnconstructibleSubscriber.class)
			.run((context) -> assertFailure(context, UnconstructibleSubscriber.class.getName() + ".on(Unconstructible)",
					"cannot be deserialized", "no constructor Jackson can use", "@JsonCreator"));
	}

	@Test
	void failsOnASubscriberPayloadItsSendersCannotSerialize() {
		this.contextRunner.withBean(OpaqueSubscriber.class)
			.run((context) -> assertFailure(context, OpaqueSubscriber.class.getName() + ".on(OpaqueEvent)",
					"its senders cannot serialize", "would travel as {}"));
	}

	@IpcPayload("unconstructible")
	static final class Unconstructible {

		final int a;

		Unconstructible(int a, int b) {
			this.a = a + b;
		}

		Unconstructible(long a) {
			this.a = (int) a;
		}

		public int getA() {
			return this.a;
		}

	}

	static class UnconstructibleSubscriber {

		@IpcSubscriber
		void on(Unconstructible event) {
		}

	}

	@IpcPayload("opaque-event")
	static final class OpaqueEvent {

		@SuppressWarnings("unused")
		private int hidden;

	}

	static class OpaqueSubscriber {

		@IpcSubscriber
		void on(OpaqueEvent event) {
		}

	}

	@Test
	void failsOnReservedTopics() {
		this.contextRunner.withBean(ReservedTopicSubscriber.class)
			.run((context) -> assertFailure(context, ReservedTopicSubscriber.class.getName() + ".on(IncomingMessage)",
					"reserved topic 'RpcRequestMessage'"));
		this.contextRunner.withBean(ReservedPayloadSubscriber.class)
			.run((context) -> assertFailure(context, ReservedPayloadSubscriber.class.getName() + ".on(ReservedPayload)",
					"reserved topic 'RpcResponseMessage'"));
	}

	static class ReservedTopicSubscriber {

		@IpcSubscriber(topic = "RpcRequestMessage")
		void on(IncomingMessage message) {
		}

	}

	@IpcPayload("RpcResponseMessage")
	record ReservedPayload(String text) {
	}

	static class ReservedPayloadSubscriber {

		@IpcSubscriber
		void on(ReservedPayload payload) {
		}

	}

	@Test
	void failsWhenTheTopicIsUnknown() {
		this.contextRunner.withBean(NoTopicSubscriber.class)
			.run((context) -> assertFailure(context, NoTopicSubscriber.class.getName() + ".on(String)",
					"cannot tell which topic", "@IpcPayload"));
	}

	static class NoTopicSubscriber {

		@IpcSubscriber
		void on(String text) {
		}

	}

	@Test
	void failsOnReturnTypes() {
		this.contextRunner.withBean(ReturningSubscriber.class)
			.run((context) -> assertFailure(context, ReturningSubscriber.class.getName() + ".on(TestEvent)",
					"returns String"));
		this.contextRunner.withBean(WrongResponseHandler.class)
			.run((context) -> assertFailure(context, WrongResponseHandler.class.getName() + ".sum(Sum)",
					"is answered with " + SumResult.class.getName()));
		this.contextRunner.withBean(VoidResponseHandler.class)
			.run((context) -> assertFailure(context, VoidResponseHandler.class.getName() + ".sum(Sum)",
					"returns void"));
	}

	static class ReturningSubscriber {

		@IpcSubscriber
		String on(TestEvent event) {
			return "";
		}

	}

	static class WrongResponseHandler {

		@IpcRpcHandler
		CompletableFuture<String> sum(Sum request) {
			return CompletableFuture.completedFuture("");
		}

	}

	static class VoidResponseHandler {

		@IpcRpcHandler
		void sum(Sum request) {
		}

	}

	@Test
	void failsOnParametersOfTheOtherKind() {
		this.contextRunner.withBean(RpcWithMessage.class)
			.run((context) -> assertFailure(context, RpcWithMessage.class.getName() + ".sum(Sum, IncomingMessage)",
					"IncomingMessage parameters are only available to @IpcSubscriber"));
		this.contextRunner.withBean(SubscriberWithContext.class)
			.run((context) -> assertFailure(context,
					SubscriberWithContext.class.getName() + ".on(TestEvent, RpcContext)",
					"RpcContext parameters are only available to @IpcRpcHandler"));
		this.contextRunner.withBean(NonStringTopic.class)
			.run((context) -> assertFailure(context, NonStringTopic.class.getName() + ".on(TestEvent, Integer)",
					"must be a String"));
	}

	static class RpcWithMessage {

		@IpcRpcHandler
		SumResult sum(Sum request, IncomingMessage message) {
			return new SumResult(0);
		}

	}

	static class SubscriberWithContext {

		@IpcSubscriber
		void on(TestEvent event, RpcContext context) {
		}

	}

	static class NonStringTopic {

		@IpcSubscriber
		void on(TestEvent event, @IpcTopic Integer topic) {
		}

	}

	@Test
	void failsOnInvalidAttributes() {
		this.contextRunner.withBean(BadConcurrency.class)
			.run((context) -> assertFailure(context, BadConcurrency.class.getName() + ".on(TestEvent)",
					"concurrency '0' is not a positive integer"));
		this.contextRunner.withBean(BadAutoStartup.class)
			.run((context) -> assertFailure(context, BadAutoStartup.class.getName() + ".on(TestEvent)",
					"autoStartup 'maybe'"));
		this.contextRunner.withBean(MissingErrorHandler.class)
			.run((context) -> assertFailure(context, MissingErrorHandler.class.getName() + ".on(TestEvent)",
					"error handler bean 'nope'"));
		this.contextRunner.withBean(EmptySources.class)
			.withPropertyValues("app.sources=")
			.run((context) -> assertFailure(context, EmptySources.class.getName() + ".on(TestEvent)",
					"resolved to nothing"));
	}

	static class BadConcurrency {

		@IpcSubscriber(concurrency = "0")
		void on(TestEvent event) {
		}

	}

	static class BadAutoStartup {

		@IpcSubscriber(autoStartup = "maybe")
		void on(TestEvent event) {
		}

	}

	static class MissingErrorHandler {

		@IpcSubscriber(errorHandler = "nope")
		void on(TestEvent event) {
		}

	}

	static class EmptySources {

		@IpcSubscriber(sources = "${app.sources}")
		void on(TestEvent event) {
		}

	}

	@Test
	void failsOnDuplicateIds() {
		this.contextRunner.withBean(DuplicateIds.class)
			.run((context) -> assertFailure(context, DuplicateIds.class.getName() + ".first(TestEvent)",
					DuplicateIds.class.getName() + ".second(TestEvent)", "Duplicate @IpcSubscriber id 'same'"));
	}

	static class DuplicateIds {

		@IpcSubscriber(id = "same")
		void first(TestEvent event) {
		}

		@IpcSubscriber(id = "same")
		void second(TestEvent event) {
		}

	}

	@Test
	void failsOnAHandlerForTheBuiltInDiscoverRequest() {
		this.contextRunner.withBean(DiscoverHandler.class)
			.run((context) -> assertFailure(context, DiscoverHandler.class.getName() + ".discover(DiscoverRequest)",
					"ipc.discover.enabled=false"));
		this.contextRunner.withBean(DiscoverHandler.class)
			.withPropertyValues("ipc.discover.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	static class DiscoverHandler {

		@IpcRpcHandler
		DiscoverResponse discover(DiscoverRequest request) {
			return new DiscoverResponse("mine");
		}

	}

	private static void assertFailure(AssertableApplicationContext context, String... fragments) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		Throwable cause = failure;
		while (cause != null && !(cause instanceof IpcHandlerDefinitionException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("an IpcHandlerDefinitionException in %s", failure).isNotNull();
		assertThat(cause.getMessage()).contains(fragments);
	}

}
