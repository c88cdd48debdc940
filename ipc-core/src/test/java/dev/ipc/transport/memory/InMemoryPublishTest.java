package dev.ipc.transport.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Registration;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.model.TypedIncomingMessage;

/**
 * Publications over the in-memory bus, Noise encrypted: every other subscriber gets one
 * copy marked as published from the publisher's source, nobody else does, a restricted
 * publication reaches only the named subscribers, and subscribing, unsubscribing and
 * leaving take effect at once.
 */
class InMemoryPublishTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@IpcPayload("mem.news")
	record News(int n) {
	}

	private final InMemoryBus bus = new InMemoryBus();

	private final List<IpcClient> clients = new CopyOnWriteArrayList<>();

	@AfterEach
	void closeAll() {
		clients.forEach(IpcClient::close);
	}

	private IpcClient client(String name) {
		// room for a whole burst: a subscriber that falls behind loses its oldest events
		IpcClient client = IpcClient.builder()
			.backend(bus.connect(Endpoint.named(name)))
			.name(name)
			.subscriberQueueCapacity(4096)
			.build();
		client.start();
		clients.add(client);
		return client;
	}

	private static Registration collect(IpcClient client, List<TypedIncomingMessage<News>> into) {
		return client.subscribe(News.class, into::add);
	}

	@Test
	void everyOtherSubscriberGetsOneCopyMarkedAsPublished() {
		IpcClient pub = client("pub");
		IpcClient a = client("a");
		IpcClient b = client("b");
		IpcClient bystander = client("bystander");
		List<TypedIncomingMessage<News>> atA = new CopyOnWriteArrayList<>();
		List<TypedIncomingMessage<News>> atB = new CopyOnWriteArrayList<>();
		List<TypedIncomingMessage<News>> atPub = new CopyOnWriteArrayList<>();
		List<Object> atBystander = new CopyOnWriteArrayList<>();
		collect(a, atA);
		collect(b, atB);
		collect(pub, atPub);
		bystander.subscribeAll(atBystander::add);

		for (int i = 1; i <= 100; i++) {
			assertThat(pub.publish(new News(i))).isEqualTo(2);
		}
		await().atMost(WAIT).until(() -> atA.size() == 100 && atB.size() == 100);
		for (List<TypedIncomingMessage<News>> got : List.of(atA, atB)) {
			for (int i = 0; i < 100; i++) {
				assertThat(got.get(i).payload().n()).isEqualTo(i + 1);
				assertThat(got.get(i).kind()).isEqualTo(DeliveryKind.PUBLISHED);
				assertThat(got.get(i).source()).isEqualTo(Source.of(Endpoint.named("pub")));
			}
		}
		// an addressed send still says so
		pub.send(new News(0), Endpoint.named("a"));
		await().atMost(WAIT).until(() -> atA.size() == 101);
		assertThat(atA.get(100).kind()).isEqualTo(DeliveryKind.ADDRESSED);
		assertThat(atA.get(100).published()).isFalse();
		assertThat(atPub).isEmpty();
		assertThat(atBystander).isEmpty();
	}

	@Test
	void aRestrictedPublicationReachesOnlyTheNamedSubscribers() {
		IpcClient pub = client("pub");
		IpcClient a = client("a");
		IpcClient b = client("b");
		List<TypedIncomingMessage<News>> atA = new CopyOnWriteArrayList<>();
		List<TypedIncomingMessage<News>> atB = new CopyOnWriteArrayList<>();
		collect(a, atA);
		collect(b, atB);
		client("c"); // not a subscriber: naming it does not make it one

		assertThat(pub.publish(new News(1), Set.of(Endpoint.named("b"), Endpoint.named("c")))).isEqualTo(1);
		assertThat(pub.publish(new News(2))).isEqualTo(2);
		await().atMost(WAIT).until(() -> atA.size() == 1 && atB.size() == 2);
		assertThat(atA.get(0).payload().n()).isEqualTo(2);
		assertThat(atB).extracting(m -> m.payload().n()).containsExactly(1, 2);
	}

	@Test
	void subscribingUnsubscribingAndLeavingTakeEffectAtOnce() {
		IpcClient pub = client("pub");
		IpcClient a = client("a");
		IpcClient b = client("b");
		List<TypedIncomingMessage<News>> atA = new CopyOnWriteArrayList<>();
		List<TypedIncomingMessage<News>> atB = new CopyOnWriteArrayList<>();
		assertThat(pub.publish(new News(0))).isZero();
		Registration subA = collect(a, atA);
		assertThat(pub.publish(new News(1))).isEqualTo(1);
		collect(b, atB);
		assertThat(pub.publish(new News(2))).isEqualTo(2);
		// closing a subscription discards what it has not delivered yet: let it deliver
		await().atMost(WAIT).until(() -> atA.size() == 2);
		subA.close();
		assertThat(pub.publish(new News(3))).isEqualTo(1);
		await().atMost(WAIT).until(() -> atA.size() == 2 && atB.size() == 2);
		b.close();
		assertThat(pub.publish(new News(4))).isZero();
		assertThat(atA).extracting(m -> m.payload().n()).containsExactly(1, 2);
		assertThat(atB).extracting(m -> m.payload().n()).containsExactly(2, 3);
	}

}
