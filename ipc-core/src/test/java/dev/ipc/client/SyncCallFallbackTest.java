package dev.ipc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * {@link IpcClient#call} over a backend that cannot lend its receive side (the in-memory
 * bus): it waits for the future, with the same results and failures as the future API.
 */
class SyncCallFallbackTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@IpcPayload("sync.add")
	record Add(int a, int b) implements RpcRequest<Integer> {
	}

	@IpcPayload("sync.never")
	record Never(String why) implements RpcRequest<String> {
	}

	@IpcPayload("sync.fail")
	record Fail(String why) implements RpcRequest<String> {
	}

	private final InMemoryBus bus = new InMemoryBus();

	private final List<IpcClient> clients = new ArrayList<>();

	private IpcClient client(String name, Duration spin) {
		IpcClient client = IpcClient.builder()
			.backend(bus.connect(Endpoint.named(name)))
			.name(name)
			.rpcSpin(spin)
			.keepJvmAlive(false)
			.build();
		clients.add(client);
		return client;
	}

	@AfterEach
	void tearDown() {
		clients.forEach(IpcClient::close);
	}

	@Test
	void callsReturnAndFailAsTheFutureWould() throws Exception {
		IpcClient server = client("server", Duration.ZERO);
		server.registerRpcHandler(Add.class, (request, context) -> request.a() + request.b());
		server.registerAsyncRpcHandler(Never.class, (request, context) -> new CompletableFuture<>());
		server.registerRpcHandler(Fail.class, (request, context) -> {
			throw new IllegalStateException(request.why());
		});
		server.start();
		IpcClient caller = client("caller", Duration.ZERO);
		caller.start();
		Endpoint to = Endpoint.named("server");

		assertThat(caller.call(new Add(2, 3), to)).isEqualTo(5);
		assertThatThrownBy(() -> caller.call(new Never("x"), to, Duration.ofMillis(200)))
			.isInstanceOf(RpcTimeoutException.class);
		assertThatThrownBy(() -> caller.call(new Fail("boom"), to)).isInstanceOf(RpcRemoteException.class);
		assertThatThrownBy(() -> caller.call(new Add(1, 1), Endpoint.named("nobody")))
			.isInstanceOf(IpcUnreachableException.class);
	}

	@Test
	void aSpinningCallWorksAndAnInterruptedOneIsAbandoned() throws Exception {
		IpcClient server = client("server", Duration.ZERO);
		server.registerRpcHandler(Add.class, (request, context) -> request.a() + request.b());
		server.registerAsyncRpcHandler(Never.class, (request, context) -> new CompletableFuture<>());
		server.start();
		IpcClient caller = client("caller", Duration.ofMillis(1));
		caller.start();
		Endpoint to = Endpoint.named("server");
		assertThat(caller.call(new Add(20, 22), to)).isEqualTo(42);

		CompletableFuture<Throwable> failure = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			try {
				caller.call(new Never("x"), to, Duration.ofMinutes(5));
				failure.complete(null);
			}
			catch (Throwable ex) {
				failure.complete(ex);
			}
		}, "interrupted-caller");
		thread.start();
		await().atMost(WAIT).until(() -> thread.getState() == Thread.State.TIMED_WAITING);
		thread.interrupt();
		assertThat(failure.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isInstanceOf(InterruptedException.class);
		assertThat(caller.call(new Add(1, 2), to)).isEqualTo(3);
	}

	@Test
	void theSpinIsBounded() {
		assertThatThrownBy(() -> IpcClient.builder().rpcSpin(Duration.ofMillis(-1)))
			.isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> IpcClient.builder().rpcSpin(Duration.ofSeconds(2)))
			.isInstanceOf(IllegalArgumentException.class);
	}

}
