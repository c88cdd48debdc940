package dev.ipc.spring.annotation;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import jakarta.validation.Valid;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.core.annotation.Order;

import dev.ipc.model.Endpoint;
import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcHandlerException;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.test.TestClients;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.Fail;
import dev.ipc.spring.test.TestPayloads.Sum;
import dev.ipc.spring.test.TestPayloads.SumResult;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link IpcAdvice} and {@link IpcExceptionHandler}: what the advice sees locally, and
 * what the remote caller of a failed {@link IpcRpcHandler} learns.
 */
class IpcExceptionHandlerTest {

	private static final Endpoint VAULT = Endpoint.named("vault");

	private final InMemoryBus bus = new InMemoryBus();

	private final ApplicationContextRunner vault = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, ValidationAutoConfiguration.class))
		.withPropertyValues(TestClients.IN_MEMORY)
		.withPropertyValues("ipc.endpoint=vault")
		.withBean(InMemoryBus.class, () -> this.bus)
		.withBean(FailingHandlers.class)
		.withBean(OtherHandlers.class);

	@Test
	void theAdviceChoosesWhatTheCallerLearns() {
		this.vault.withBean(VaultAdvice.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				RpcRemoteException locked = remoteError(worker, new Echo("locked"));
				assertThat(locked.error()).isInstanceOf(RpcError.ResponseSerialization.class);
				assertThat(((RpcError.ResponseSerialization) locked.error()).message())
					.isEqualTo("The vault is locked");
				assertThat(locked.getMessage()).doesNotContain("VaultLocked", "secret");
				VaultAdvice advice = context.getBean(VaultAdvice.class);
				assertThat(advice.seen).as("the advice sees the exception and the request's context")
					.containsExactly("locked: test.echo from worker");
			}
		});
	}

	@Test
	void asynchronousFailuresGoThroughTheAdviceToo() {
		this.vault.withBean(VaultAdvice.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(remoteError(worker, new Fail("later")).getMessage()).contains("The vault is locked");
			}
		});
	}

	@Test
	void aMatchingCauseIsHandled() {
		this.vault.withBean(VaultAdvice.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(remoteError(worker, new Echo("wrapped")).getMessage()).contains("The vault is locked");
			}
		});
	}

	@Test
	void anExceptionHandlerReturningRpcHandlerExceptionOrVoid() {
		this.vault.withBean(VaultAdvice.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(remoteError(worker, new Echo("argument")).getMessage()).contains("Bad argument in argument");
				RpcRemoteException observed = remoteError(worker, new Echo("unsupported"));
				assertThat(observed.getMessage()).as("void only observes: the default reply goes out")
					.contains("handler failed: UnsupportedOperationException");
				assertThat(context.getBean(VaultAdvice.class).seen).contains("observed not here");
			}
		});
	}

	@Test
	void validationFailuresCanBeMappedAndOtherwiseKeepTheirDefault() {
		this.vault.withBean(VaultAdvice.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(remoteError(worker, new Sum(-1, 1)).getMessage()).contains("Check the numbers")
					.doesNotContain("greater than");
			}
		});
		this.vault.run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(remoteError(worker, new Sum(-1, 1)).getMessage())
					.contains("Invalid request: a must be greater than or equal to 0");
			}
		});
	}

	@Test
	void theHandlersOwnExceptionHandlersComeFirstAndStayLocal() {
		this.vault.withBean(VaultAdvice.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(remoteError(worker, new Echo("local")).getMessage()).contains("Handled where it happened");
				assertThat(remoteError(worker, new SumOfOther(0)).getMessage())
					.as("another bean's local handler does not apply: the advice does")
					.contains("Handled by the advice");
			}
		});
	}

	@Test
	void adviceBeansAreConsultedInOrder() {
		this.vault.withBean(VaultAdvice.class).withBean(FirstAdvice.class).run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(remoteError(worker, new Echo("locked")).getMessage()).contains("First says locked");
			}
		});
	}

	@Test
	void withoutAdviceTheDefaultsStay() {
		this.vault.run((context) -> {
			try (TestClients.Peer worker = TestClients.peer(this.bus, "worker")) {
				assertThat(remoteError(worker, new Echo("locked")).getMessage()).contains("handler failed: VaultLocked")
					.doesNotContain("secret", IpcExceptionHandlerTest.class.getName());
			}
		});
	}

	@Test
	void invalidExceptionHandlersFailStartup() {
		this.vault.withBean(BadReturnAdvice.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()))
				.hasMessageContaining(BadReturnAdvice.class.getName() + ".handle(RuntimeException)")
				.hasMessageContaining("returns int"));
		this.vault.withBean(NoExceptionAdvice.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()))
				.hasMessageContaining(NoExceptionAdvice.class.getName() + ".handle(String)")
				.hasMessageContaining("names no exception type"));
	}

	private static Throwable definitionFailure(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof IpcHandlerDefinitionException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("an IpcHandlerDefinitionException in %s", failure).isNotNull();
		return cause;
	}

	private static RpcRemoteException remoteError(TestClients.Peer peer, dev.ipc.rpc.RpcRequest<?> request) {
		Throwable failure = catchThrowable(() -> peer.client().request(request, VAULT).get(5, TimeUnit.SECONDS));
		assertThat(failure).cause().isInstanceOf(RpcRemoteException.class);
		return (RpcRemoteException) failure.getCause();
	}

	static class VaultLocked extends RuntimeException {

		VaultLocked() {
			super("secret: the key file is /home/me/.vault-key");
		}

	}

	static class LocalProblem extends RuntimeException {

	}

	@dev.ipc.model.IpcPayload("test.sum-of-other")
	record SumOfOther(int a) implements dev.ipc.rpc.RpcRequest<SumResult> {
	}

	static class FailingHandlers {

		@IpcRpcHandler
		String echo(Echo request) {
			switch (request.text()) {
				case "locked" -> throw new VaultLocked();
				case "wrapped" -> throw new IllegalStateException("wrapper", new VaultLocked());
				case "argument" -> throw new IllegalArgumentException("no");
				case "unsupported" -> throw new UnsupportedOperationException("not here");
				case "local" -> throw new LocalProblem();
				default -> {
					return request.text();
				}
			}
		}

		@IpcRpcHandler
		CompletableFuture<String> fail(Fail request) {
			return CompletableFuture.supplyAsync(() -> {
				throw new VaultLocked();
			});
		}

		@IpcRpcHandler
		SumResult sum(@Valid Sum request) {
			return new SumResult(request.a() + request.b());
		}

		@IpcExceptionHandler
		String local(LocalProblem ex) {
			return "Handled where it happened";
		}

	}

	static class OtherHandlers {

		@IpcRpcHandler
		SumResult sum(SumOfOther request) {
			throw new LocalProblem();
		}

	}

	@IpcAdvice
	@Order(2)
	static class VaultAdvice {

		final List<String> seen = new CopyOnWriteArrayList<>();

		@IpcExceptionHandler
		String locked(VaultLocked ex, RpcContext context) {
			this.seen.add("locked: " + context.requestType() + " from " + SourceFilter.nameOf(context.source()));
			return "The vault is locked";
		}

		@IpcExceptionHandler(IllegalArgumentException.class)
		RpcHandlerException argument(Throwable ex, Echo request) {
			return new RpcHandlerException("Bad argument in " + request.text());
		}

		@IpcExceptionHandler
		void observe(UnsupportedOperationException ex) {
			this.seen.add("observed " + ex.getMessage());
		}

		@IpcExceptionHandler
		String invalid(IpcPayloadValidationException ex) {
			return "Check the numbers";
		}

		@IpcExceptionHandler
		String local(LocalProblem ex) {
			return "Handled by the advice";
		}

	}

	@IpcAdvice
	@Order(1)
	static class FirstAdvice {

		@IpcExceptionHandler
		String locked(VaultLocked ex) {
			return "First says locked";
		}

	}

	@IpcAdvice
	static class BadReturnAdvice {

		@IpcExceptionHandler
		int handle(RuntimeException ex) {
			return 0;
		}

	}

	@IpcAdvice
	static class NoExceptionAdvice {

		@IpcExceptionHandler
		String handle(String text) {
			return text;
		}

	}

}
