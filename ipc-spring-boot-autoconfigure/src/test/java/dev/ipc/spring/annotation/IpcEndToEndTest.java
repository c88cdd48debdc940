package dev.ipc.spring.annotation;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.validation.Valid;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.ipc.client.IpcClient;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcHandlerException;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.Fail;
import dev.ipc.spring.test.TestPayloads.OtherEvent;
import dev.ipc.spring.test.TestPayloads.Sum;
import dev.ipc.spring.test.TestPayloads.SumResult;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Two auto-configured applications, a vault and a worker, talking over one shared
 * {@link InMemoryBus}: annotated subscribers and RPC handlers with {@link Source}
 * parameters and source restrictions.
 */
class IpcEndToEndTest {

	private static final String USER = System.getProperty("user.name");

	private static final Endpoint VAULT = Endpoint.named("vault");

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner vault = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, ValidationAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus)
		.withUserConfiguration(VaultConfiguration.class);

	private final ApplicationContextRunner worker = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=worker")
		.withBean(InMemoryBus.class, () -> this.bus);

	@Test
	void workerPublishesEventsTheVaultSubscribesTo() {
		this.vault.run((vault) -> this.worker.run((worker) -> {
			IpcClient client = worker.getBean(IpcClient.class);
			client.send(new TestEvent("job done"), VAULT);
			VaultHandlers handlers = vault.getBean(VaultHandlers.class);
			await().atMost(5, TimeUnit.SECONDS).until(() -> handlers.events.size() == 1);
			assertThat(handlers.events)
				.containsExactly("job done from Named[name=worker, user=" + USER + "] on test.event, 19 bytes");
		}));
	}

	@Test
	void vaultAnswersTheWorkersRequestsWithTheCallersSource() throws Exception {
		this.vault.run((vault) -> this.worker.run((worker) -> {
			IpcClient client = worker.getBean(IpcClient.class);
			SumResult sum = client.request(new Sum(20, 22), VAULT).get(5, TimeUnit.SECONDS);
			assertThat(sum.value()).isEqualTo(42);
			assertThat(vault.getBean(VaultHandlers.class).callers).containsExactly(new Source.Named("worker", USER));
			assertThat(client.request(new Echo("async"), VAULT).get(5, TimeUnit.SECONDS))
				.as("a CompletableFuture return is the response")
				.isEqualTo("async via " + "test.echo");
		}));
	}

	@Test
	void sourcesOutsideTheRestrictionAreRefusedAndCounted() {
		this.vault.run((vault) -> {
			try (TestClients.Peer intruder = TestClients.peer(this.bus, new Source.Named("intruder", USER))) {
				assertRemoteError(intruder.client().request(new Sum(1, 2), VAULT),
						"Request refused: its source is not accepted by this handler");
				intruder.client().send(new TestEvent("sneaky"), VAULT);
				DropRecorder drops = vault.getBean(DropRecorder.class);
				await().atMost(5, TimeUnit.SECONDS).until(() -> drops.rejected.size() == 2);
				assertThat(drops.rejected).containsOnly(Endpoint.named("intruder"));
				assertThat(vault.getBean(VaultHandlers.class).events).isEmpty();
			}
		});
	}

	@Test
	void userRestrictionNeedsAVerifiedMatchingUser() throws Exception {
		this.vault.run((vault) -> {
			try (TestClients.Peer unverified = TestClients.peer(this.bus, new Source.Named("a", null));
					TestClients.Peer stranger = TestClients.peer(this.bus, new Source.Named("b", "mallory-" + USER));
					TestClients.Peer sameUser = TestClients.peer(this.bus, new Source.Named("c", USER))) {
				assertRemoteError(unverified.client().request(new Echo("x"), VAULT), "source is not accepted");
				assertRemoteError(stranger.client().request(new Echo("x"), VAULT), "source is not accepted");
				assertThat(sameUser.client().request(new Echo("x"), VAULT).get(5, TimeUnit.SECONDS))
					.isEqualTo("x via test.echo");
			}
		});
	}

	@Test
	void invalidRequestsAreAnsweredWithTheViolations() {
		this.vault.run((vault) -> this.worker.run((worker) -> {
			IpcClient client = worker.getBean(IpcClient.class);
			assertRemoteError(client.request(new Sum(-1, 2), VAULT),
					"Invalid request: a must be greater than or equal to 0");
			assertThat(vault.getBean(VaultHandlers.class).callers).isEmpty();
		}));
	}

	@Test
	void validationBacksOffWithoutAValidator() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class))
			.withPropertyValues(TestClients.IN_MEMORY)
			.withPropertyValues("ipc.endpoint=vault")
			.withBean(InMemoryBus.class, () -> this.bus)
			.withUserConfiguration(VaultConfiguration.class)
			.run((vault) -> {
				assertThat(vault).doesNotHaveBean(org.springframework.validation.Validator.class);
				try (TestClients.Peer worker = TestClients.peer(this.bus, new Source.Named("worker", USER))) {
					SumResult result = worker.client().request(new Sum(-1, 2), VAULT).get(5, TimeUnit.SECONDS);
					assertThat(result.value()).as("@Valid is ignored, with a warning at startup").isEqualTo(1);
				}
			});
	}

	@Test
	void handlerExceptionsBecomeErrorReplies() {
		this.vault.run((vault) -> this.worker.run((worker) -> {
			IpcClient client = worker.getBean(IpcClient.class);
			RpcRemoteException refused = assertRemoteError(client.request(new Fail("public"), VAULT), "not today");
			assertThat(refused.error()).isInstanceOf(RpcError.ResponseSerialization.class);
			RpcRemoteException failed = assertRemoteError(client.request(new Fail("internal"), VAULT),
					"handler failed: IllegalStateException");
			assertThat(failed.getMessage()).doesNotContain("secret detail");
		}));
	}

	@Test
	void subscriberExceptionsGoToTheErrorHandler() {
		this.vault.run((vault) -> this.worker.run((worker) -> {
			IpcClient client = worker.getBean(IpcClient.class);
			client.send(new OtherEvent(-1), VAULT);
			client.send(new OtherEvent(1), VAULT);
			VaultHandlers handlers = vault.getBean(VaultHandlers.class);
			await().atMost(5, TimeUnit.SECONDS).until(() -> handlers.others.size() == 1);
			RecordingErrorHandler errors = vault.getBean(RecordingErrorHandler.class);
			await().atMost(5, TimeUnit.SECONDS).until(() -> errors.failures.size() == 1);
			IpcHandlerExecutionException failure = errors.failures.get(0);
			assertThat(failure.getHandlerId()).isEqualTo(VaultHandlers.class.getName() + ".onOther");
			assertThat(failure.getTopic()).isEqualTo("test.other-event");
			assertThat(failure.getCause()).hasMessage("negative");
			assertThat(handlers.others).containsExactly(1);
		}));
	}

	private static RpcRemoteException assertRemoteError(CompletableFuture<?> future, String message) {
		ExecutionException failure = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
				() -> future.get(5, TimeUnit.SECONDS));
		assertThat(failure).isNotNull();
		assertThatExceptionOfType(RpcRemoteException.class).isThrownBy(() -> {
			throw failure.getCause();
		}).withMessageContaining(message);
		return (RpcRemoteException) failure.getCause();
	}

	@Configuration(proxyBeanMethods = false)
	static class VaultConfiguration {

		@Bean
		VaultHandlers vaultHandlers() {
			return new VaultHandlers();
		}

		@Bean
		RecordingErrorHandler recordingErrorHandler() {
			return new RecordingErrorHandler();
		}

		@Bean
		DropRecorder dropRecorder() {
			return new DropRecorder();
		}

	}

	static class VaultHandlers {

		final List<String> events = new CopyOnWriteArrayList<>();

		final List<Source> callers = new CopyOnWriteArrayList<>();

		final List<Integer> others = new CopyOnWriteArrayList<>();

		@IpcSubscriber(sources = "worker")
		void onEvent(TestEvent event, Source source, IncomingMessage message, @IpcTopic String topic) {
			this.events
				.add(event.text() + " from " + source + " on " + topic + ", " + message.payload().length + " bytes");
		}

		@IpcSubscriber(errorHandler = "recordingErrorHandler")
		void onOther(OtherEvent event) {
			if (event.value() < 0) {
				throw new IllegalArgumentException("negative");
			}
			this.others.add(event.value());
		}

		@IpcRpcHandler(sources = "worker", users = "${user.name}")
		SumResult sum(@Valid Sum request, Source source) {
			this.callers.add(source);
			return new SumResult(request.a() + request.b());
		}

		@IpcRpcHandler(users = "${user.name}")
		CompletableFuture<String> echo(Echo request, RpcContext context) {
			return CompletableFuture.supplyAsync(() -> request.text() + " via " + context.requestType());
		}

		@IpcRpcHandler
		String fail(Fail request) {
			if ("public".equals(request.how())) {
				throw new RpcHandlerException("not today");
			}
			throw new IllegalStateException("secret detail");
		}

	}

	static class RecordingErrorHandler implements IpcErrorHandler {

		final List<IpcHandlerExecutionException> failures = new CopyOnWriteArrayList<>();

		@Override
		public void handleError(IncomingMessage message, IpcHandlerExecutionException exception) {
			this.failures.add(exception);
		}

	}

	static class DropRecorder implements IpcEventListener {

		final List<Endpoint> rejected = new CopyOnWriteArrayList<>();

		@Override
		public void messageDropped(DropReason reason, Endpoint peer) {
			if (reason == DropReason.SOURCE_REJECTED) {
				this.rejected.add(peer);
			}
		}

	}

}
