package dev.ipc.spring.boot.autoconfigure;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.Order;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.support.DefaultMessageHandlerMethodFactory;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;
import org.springframework.messaging.handler.invocation.HandlerMethodArgumentResolver;
import org.springframework.test.util.ReflectionTestUtils;

import dev.ipc.spring.annotation.IpcHandlerConfigurer;
import dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory;
import dev.ipc.spring.test.TestClients;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IpcHandlerMethodConfiguration}: the handlers'
 * {@code MessageHandlerMethodFactory}, its validator and custom resolvers, and its
 * back-off.
 */
class IpcHandlerMethodConfigurationTest {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, InMemoryBus::new);

	@Test
	void definesTheHandlersFactory() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(IpcMessageHandlerMethodFactory.class);
			assertThat(context.getBean(IpcMessageHandlerMethodFactory.BEAN_NAME))
				.isInstanceOf(IpcMessageHandlerMethodFactory.class);
			IpcMessageHandlerMethodFactory factory = context.getBean(IpcMessageHandlerMethodFactory.class);
			assertThat(factory.knowsItsResolvers()).isTrue();
			assertThat(ReflectionTestUtils.getField(factory, "validator")).as("no validator without one").isNull();
		});
	}

	@Test
	void usesTheApplicationsValidator() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
			.run((context) -> assertThat(
					ReflectionTestUtils.getField(context.getBean(IpcMessageHandlerMethodFactory.class), "validator"))
				.isSameAs(context.getBean(org.springframework.validation.Validator.class)));
	}

	@Test
	void addsTheResolversOfEveryConfigurerInOrder() {
		this.contextRunner.withBean(SecondConfigurer.class).withBean(FirstConfigurer.class).run((context) -> {
			IpcMessageHandlerMethodFactory factory = context.getBean(IpcMessageHandlerMethodFactory.class);
			@SuppressWarnings("unchecked")
			List<HandlerMethodArgumentResolver> custom = (List<HandlerMethodArgumentResolver>) ReflectionTestUtils
				.getField(factory, "customResolvers");
			assertThat(custom).extracting((resolver) -> ((Marker) resolver).name()).containsExactly("first", "second");
		});
	}

	@Test
	void backsOffForAFactoryOfTheApplicationsUnderItsName() {
		this.contextRunner
			.withBean(IpcMessageHandlerMethodFactory.BEAN_NAME, MessageHandlerMethodFactory.class,
					DefaultMessageHandlerMethodFactory::new)
			.run((context) -> {
				assertThat(context).doesNotHaveBean(IpcMessageHandlerMethodFactory.class);
				assertThat(context.getBean(IpcMessageHandlerMethodFactory.BEAN_NAME))
					.isExactlyInstanceOf(DefaultMessageHandlerMethodFactory.class);
			});
	}

	@Test
	void aFactoryUnderAnotherNameDoesNotReplaceOurs() {
		this.contextRunner
			.withBean("somebodyElsesFactory", MessageHandlerMethodFactory.class,
					DefaultMessageHandlerMethodFactory::new)
			.run((context) -> assertThat(context).hasSingleBean(IpcMessageHandlerMethodFactory.class));
	}

	@Test
	void isAbsentWhenIpcIsDisabled() {
		this.contextRunner.withPropertyValues("ipc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(IpcMessageHandlerMethodFactory.BEAN_NAME));
	}

	record Marker(String name) implements HandlerMethodArgumentResolver {

		@Override
		public boolean supportsParameter(MethodParameter parameter) {
			return false;
		}

		@Override
		public Object resolveArgument(MethodParameter parameter, Message<?> message) {
			throw new UnsupportedOperationException();
		}

	}

	@Order(1)
	static class FirstConfigurer implements IpcHandlerConfigurer {

		@Override
		public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
			resolvers.add(new Marker("first"));
		}

	}

	@Order(2)
	static class SecondConfigurer implements IpcHandlerConfigurer {

		@Override
		public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
			resolvers.add(new Marker("second"));
		}

	}

}
