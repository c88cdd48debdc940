package dev.ipc.spring.boot.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;

import dev.ipc.spring.annotation.IpcHandlerDefinitionException;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Sum;
import dev.ipc.spring.test.TestPayloads.SumResult;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IpcHandlerDefinitionFailureAnalyzer}: a handler that cannot work is
 * reported as a description naming the method and an action, from the real startup
 * failure.
 */
class IpcHandlerDefinitionFailureAnalyzerTest {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, InMemoryBus::new);

	@Test
	void isRegisteredInSpringFactories() {
		// Boot's own analyzers need constructor arguments: only ours are instantiated
		// here
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation()
			.load(FailureAnalyzer.class, (type, implementation, failure) -> {
			})).hasAtLeastOneElementOfType(IpcHandlerDefinitionFailureAnalyzer.class);
	}

	@Test
	void duplicateRpcHandlersNameBothMethodsAndWhatToDo() {
		this.contextRunner.withBean(SumOne.class).withBean(SumTwo.class).run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).startsWith("An annotated IPC handler cannot work: ")
				.contains("'test.sum'", SumOne.class.getName() + ".sum(Sum)", SumTwo.class.getName() + ".sum(Sum)");
			assertThat(analysis.getAction()).isEqualTo("A request type has exactly one handler: remove one of them.");
			assertThat(analysis.getCause()).isInstanceOf(IpcHandlerDefinitionException.class);
		});
	}

	@Test
	void badSignaturesSayWhatToDeclare() {
		this.contextRunner.withBean(TwoPayloads.class).run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains(TwoPayloads.class.getName() + ".on(TestEvent, Integer)",
					"more than one payload parameter (TestEvent and Integer)");
			assertThat(analysis.getAction()).contains("Take one payload (@Payload marks it)");
		});
	}

	@Test
	void unknownPayloadTypesSayHowToNameTheTopic() {
		this.contextRunner.withBean(NoTopic.class).run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains(NoTopic.class.getName() + ".on(Unnamed)",
					"cannot tell which topic", Unnamed.class.getName());
			assertThat(analysis.getAction()).contains("@IpcPayload(\"<topic>\")", "@IpcSubscriber(topic = \"...\")");
		});
	}

	@Test
	void failuresWithoutASeparateActionGetTheDefaultOne() {
		this.contextRunner.withBean(ReturnsSomething.class).run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains(ReturnsSomething.class.getName() + ".on(TestEvent)",
					"returns String");
			assertThat(analysis.getAction()).isEqualTo(IpcHandlerDefinitionFailureAnalyzer.DEFAULT_ACTION);
		});
	}

	private static FailureAnalysis analyze(Throwable failure) {
		assertThat(failure).isNotNull();
		FailureAnalysis analysis = new IpcHandlerDefinitionFailureAnalyzer().analyze(failure);
		assertThat(analysis).as("an analysis of %s", failure).isNotNull();
		return analysis;
	}

	static class SumOne {

		@IpcRpcHandler
		SumResult sum(Sum request) {
			return new SumResult(0);
		}

	}

	static class SumTwo {

		@IpcRpcHandler
		SumResult sum(Sum request) {
			return new SumResult(0);
		}

	}

	static class TwoPayloads {

		@IpcSubscriber
		void on(TestEvent event, Integer other) {
		}

	}

	record Unnamed(String text) {
	}

	static class NoTopic {

		@IpcSubscriber
		void on(Unnamed payload) {
		}

	}

	static class ReturnsSomething {

		@IpcSubscriber
		String on(TestEvent event) {
			return "";
		}

	}

}
