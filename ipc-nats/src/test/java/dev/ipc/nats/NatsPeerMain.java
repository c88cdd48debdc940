package dev.ipc.nats;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import dev.ipc.client.IpcClient;
import dev.ipc.nats.NatsFixtures.ItemChanged;
import dev.ipc.nats.NatsFixtures.Slow;
import dev.ipc.nats.NatsFixtures.Sum;

/**
 * The "worker" of {@link NatsMultiProcessTest}, in its own JVM: answers {@link Sum},
 * blocks in {@link Slow} (printing {@code SLOW}), sends one {@link ItemChanged} to the
 * vault once it is present, prints {@code READY}, and closes when its standard input
 * ends. Arguments: the server URL.
 */
public final class NatsPeerMain {

	private NatsPeerMain() {
	}

	public static void main(String[] args) throws Exception {
		NatsTransport transport = NatsTransport.open(NatsFixtures.options("worker", args[0]).build());
		IpcClient client = IpcClient.builder().backend(transport).name("worker").build();
		CountDownLatch never = new CountDownLatch(1);
		client.registerRpcHandler(Sum.class, (request, context) -> request.a() + request.b());
		client.registerRpcHandler(Slow.class, (request, context) -> {
			System.out.println("SLOW");
			never.await();
			return request.id();
		});
		client.start();
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (!transport.reachableEndpoints().contains(NatsFixtures.VAULT) && System.nanoTime() < deadline) {
			Thread.sleep(20); // polling a condition in a helper process, bounded
		}
		client.send(new ItemChanged("hello-from-child"), NatsFixtures.VAULT);
		System.out.println("READY");
		try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
			while (in.readLine() != null) {
				// wait for the parent to close our input
			}
		}
		client.close();
		transport.close();
	}

}
