package dev.ipc.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Registration;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.model.Topics;
import dev.ipc.model.TypedIncomingMessage;

/**
 * Publications over a real nats-server, Noise on, with generated permissions (which now
 * let every endpoint read the subscription announcements): each subscriber gets every
 * event once, in order, marked as published, from the source the broker vouches for; an
 * unsubscribed member stops getting them, a late one gets what follows its announcement,
 * and a departed one drops out of the publisher's table.
 */
class NatsPublishTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final String TOPIC = Topics.topicOf(Tick.class);

	@IpcPayload("nats.tick")
	record Tick(int n) {
	}

	@TempDir
	Path dir;

	private NatsServer server;

	private final List<AutoCloseable> open = new ArrayList<>();

	private NatsTransport pubTransport;

	private IpcClient pub;

	@BeforeEach
	void start() {
		Map<String, String> passwords = new LinkedHashMap<>();
		for (String user : List.of("pub", "s1", "s2", "s3")) {
			passwords.put(user, NatsFixtures.password(user));
		}
		server = NatsServer.start(dir,
				NatsPermissions.forNamespace(NatsFixtures.NAMESPACE).passwordAuthorization(passwords));
		pubTransport = transport("pub");
		pub = client("pub", pubTransport);
	}

	@AfterEach
	void stop() throws Exception {
		for (int i = open.size() - 1; i >= 0; i--) {
			open.get(i).close();
		}
		server.close();
	}

	private NatsTransport transport(String name) {
		NatsTransport transport = NatsFixtures.open(NatsFixtures.options(name, server.url()));
		open.add(transport);
		return transport;
	}

	private IpcClient client(String name, NatsTransport transport) {
		// room for a whole burst: a subscriber that falls behind loses its oldest events
		IpcClient client = IpcClient.builder().backend(transport).name(name).subscriberQueueCapacity(4096).build();
		client.start();
		open.add(client);
		return client;
	}

	private void awaitSubscribers(String... names) {
		Set<Endpoint> expected = new java.util.HashSet<>();
		for (String name : names) {
			expected.add(Endpoint.named(name));
		}
		await().atMost(WAIT).until(() -> pubTransport.subscribersOf(TOPIC).equals(expected));
	}

	private void publish(int from, int to, int recipients) {
		for (int n = from; n <= to; n++) {
			assertThat(pub.publish(new Tick(n))).isEqualTo(recipients);
		}
	}

	private static void assertRun(List<TypedIncomingMessage<Tick>> got, int from, int to) {
		assertThat(got).hasSize(to - from + 1);
		Source expected = new Source.Named("pub", NatsSources.BROKER_VOUCHED_USER);
		for (int i = 0; i < got.size(); i++) {
			assertThat(got.get(i).payload().n()).isEqualTo(from + i);
			assertThat(got.get(i).kind()).isEqualTo(DeliveryKind.PUBLISHED);
			assertThat(got.get(i).source()).isEqualTo(expected);
		}
	}

	@Test
	void subscribersGetEachEventOnceInOrderAndChangesTakeEffect() throws Exception {
		IpcClient s1 = client("s1", transport("s1"));
		IpcClient s2 = client("s2", transport("s2"));
		NatsTransport s3Transport = transport("s3");
		IpcClient s3 = client("s3", s3Transport);
		List<TypedIncomingMessage<Tick>> at1 = new CopyOnWriteArrayList<>();
		List<TypedIncomingMessage<Tick>> at2 = new CopyOnWriteArrayList<>();
		List<TypedIncomingMessage<Tick>> at3 = new CopyOnWriteArrayList<>();
		s1.subscribe(Tick.class, at1::add);
		Registration sub2 = s2.subscribe(Tick.class, at2::add);
		awaitSubscribers("s1", "s2");

		publish(1, 1000, 2);
		await().atMost(WAIT).alias("1000 at s1 and s2").until(() -> at1.size() == 1000 && at2.size() == 1000);
		assertRun(at1, 1, 1000);
		assertRun(at2, 1, 1000);

		sub2.close();
		s3.subscribe(Tick.class, at3::add);
		awaitSubscribers("s1", "s3");
		publish(1001, 2000, 2);
		await().atMost(WAIT).until(() -> at1.size() == 2000 && at3.size() == 1000);
		assertRun(at1, 1, 2000);
		assertRun(at3, 1001, 2000);
		assertThat(at2).hasSize(1000);

		// a member that leaves drops out of the table (its goodbye, or its silence)
		s3.close();
		s3Transport.close();
		awaitSubscribers("s1");
		publish(2001, 2001, 1);
		await().atMost(WAIT).until(() -> at1.size() == 2001);
		assertRun(at1, 1, 2001);
	}

	@Test
	void aLateJoinerLearnsTheTableFromTheOthersAnnouncements() {
		IpcClient s1 = client("s1", transport("s1"));
		List<TypedIncomingMessage<Tick>> at1 = new CopyOnWriteArrayList<>();
		s1.subscribe(Tick.class, at1::add);
		awaitSubscribers("s1");
		// a publisher that joins after the subscription was announced
		NatsTransport lateTransport = transport("s2");
		IpcClient late = client("s2", lateTransport);
		await().atMost(WAIT).until(() -> lateTransport.subscribersOf(TOPIC).equals(Set.of(Endpoint.named("s1"))));
		assertThat(late.publish(new Tick(7))).isEqualTo(1);
		await().atMost(WAIT).until(() -> at1.size() == 1);
		assertThat(at1.get(0).source()).isEqualTo(new Source.Named("s2", NatsSources.BROKER_VOUCHED_USER));
		assertThat(at1.get(0).published()).isTrue();
	}

}
