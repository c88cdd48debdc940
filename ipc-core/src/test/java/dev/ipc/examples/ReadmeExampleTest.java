package dev.ipc.examples;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.transport.memory.InMemoryBus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Keeps the README's "core API in ten lines" example true. */
class ReadmeExampleTest {

	@IpcPayload("vault.item-changed")
	record ItemChanged(String id) {
	}

	@IpcPayload("Sum")
	record Sum(int a, int b) implements RpcRequest<Integer> {
	}

	@Test
	void readmeExampleWorks() {
		List<String> printed = new CopyOnWriteArrayList<>();
		InMemoryBus bus = new InMemoryBus();
		IpcClient vault = IpcClient.builder().backend(bus.connect(Endpoint.named("vault"))).build();
		IpcClient worker = IpcClient.builder().backend(bus.connect(Endpoint.named("worker"))).build();
		try (vault; worker) {
			vault.registerRpcHandler(Sum.class, (req, ctx) -> req.a() + req.b());
			vault.subscribe(ItemChanged.class, msg -> printed.add(msg.payload() + " from " + msg.source()));
			vault.start();
			worker.start();
			worker.send(new ItemChanged("42"), Endpoint.named("vault"));
			worker.publish(new ItemChanged("43"));
			int three = worker.request(new Sum(1, 2), Endpoint.named("vault")).join();
			assertThat(three).isEqualTo(3);
			await().until(() -> printed.size() == 2);
			assertThat(printed).containsExactly("ItemChanged[id=42] from Named[name=worker, user=null]",
					"ItemChanged[id=43] from Named[name=worker, user=null]");
		}
	}

}
