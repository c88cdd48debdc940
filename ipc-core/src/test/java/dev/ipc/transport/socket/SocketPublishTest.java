package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.model.Topics;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.transport.socket.SocketTestSupport.Greeting;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Publications over real Unix sockets in one JVM, at the level of the protocol (version
 * 3, docs/transport-protocol.md §13): the host's own client publishes and subscribes like
 * a peer; a version-1 peer cannot subscribe and gets addressed messages exactly as
 * before; a newcomer is told the whole table; the host relays a copy only to a current
 * subscriber of its topic.
 */
class SocketPublishTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final String USER = System.getProperty("user.name");

	private static final String TOPIC = Topics.topicOf(Greeting.class);

	@TempDir
	Path dir;

	private SocketFixture fx;

	@BeforeEach
	void setUp() {
		fx = new SocketFixture(dir.resolve("ipc.sock"));
	}

	@AfterEach
	void tearDown() {
		fx.close();
	}

	private static List<TypedIncomingMessage<Greeting>> collect(IpcClient client) {
		List<TypedIncomingMessage<Greeting>> got = new CopyOnWriteArrayList<>();
		client.subscribe(Greeting.class, got::add);
		return got;
	}

	@Test
	void theHostPublishesAndSubscribesLikeAPeer() throws Exception {
		SocketTransport host = fx.transport("host", Role.HOST);
		IpcClient hostClient = fx.client(host);
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		IpcClient alphaClient = fx.client(alpha);
		SocketTransport beta = fx.transport("beta", Role.PEER);
		IpcClient betaClient = fx.client(beta);
		assertThat(alpha.awaitConnected(WAIT) && beta.awaitConnected(WAIT)).isTrue();
		List<TypedIncomingMessage<Greeting>> atHost = collect(hostClient);
		List<TypedIncomingMessage<Greeting>> atAlpha = collect(alphaClient);
		List<TypedIncomingMessage<Greeting>> atBeta = collect(betaClient);
		await().atMost(WAIT)
			.until(() -> alpha.subscribersOf(TOPIC).size() == 2 && host.subscribersOf(TOPIC).size() == 2);
		assertThat(host.subscribersOf(TOPIC)).containsExactlyInAnyOrder(Endpoint.named("alpha"),
				Endpoint.named("beta"));

		assertThat(alphaClient.publish(new Greeting("from alpha"))).isEqualTo(2);
		assertThat(hostClient.publish(new Greeting("from host"))).isEqualTo(2);
		await().atMost(WAIT).until(() -> atHost.size() == 1 && atAlpha.size() == 1 && atBeta.size() == 2);
		assertThat(atHost.get(0).source()).isEqualTo(new Source.Named("alpha", USER));
		assertThat(atAlpha.get(0).source()).isEqualTo(new Source.Named("host", USER));
		assertThat(atBeta).extracting(m -> m.payload().text()).containsExactlyInAnyOrder("from alpha", "from host");
		for (TypedIncomingMessage<Greeting> m : List.of(atHost.get(0), atAlpha.get(0), atBeta.get(0), atBeta.get(1))) {
			assertThat(m.kind()).isEqualTo(DeliveryKind.PUBLISHED);
		}

		// leaving takes the subscriptions along, at the host and at every replica
		betaClient.close();
		beta.close();
		await().atMost(WAIT)
			.until(() -> alpha.subscribersOf(TOPIC).equals(Set.of(Endpoint.named("host")))
					&& host.subscribersOf(TOPIC).equals(Set.of(Endpoint.named("alpha"))));
	}

	@Test
	void aVersion1PeerCannotSubscribeAndGetsAddressedMessagesAsBefore() throws Exception {
		SocketTransport host = fx.transport("host", Role.HOST);
		fx.client(host);
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		IpcClient alphaClient = fx.plainClient(alpha);
		assertThat(alpha.awaitConnected(WAIT)).isTrue();
		try (RawClient old = new RawClient(fx.socket())) {
			old.send(new Frame.Hello(List.of(1), Endpoint.named("old")));
			assertThat(old.next(WAIT)).isInstanceOf(Frame.Welcome.class);
			old.send(new Frame.Subscriptions(List.of(TOPIC))); // not part of version 1
			await().atMost(WAIT).until(() -> alpha.reachableEndpoints().contains(Endpoint.named("old")));
			alphaClient.send(new Greeting("hi"), Endpoint.named("old"));
			Frame.Deliver deliver = (Frame.Deliver) old.nextOf(Frame.Deliver.class, WAIT);
			assertThat(deliver).isNotNull();
			assertThat(deliver.topic()).isEqualTo(TOPIC);
			assertThat(deliver.source()).isEqualTo(new Source.Named("alpha", USER));
			assertThat(host.subscribersOf(TOPIC)).isEmpty();
			assertThat(alpha.subscribersOf(TOPIC)).isEmpty();
			assertThat(alphaClient.publish(new Greeting("to all"))).isZero();
		}
	}

	@Test
	void aNewcomerIsToldTheTableAndTheHostRelaysOnlyToCurrentSubscribers() throws Exception {
		SocketTransport host = fx.transport("host", Role.HOST);
		fx.plainClient(host);
		SocketTransport alpha = fx.transport("alpha", Role.PEER);
		IpcClient alphaClient = fx.plainClient(alpha);
		assertThat(alpha.awaitConnected(WAIT)).isTrue();
		List<IncomingMessage> atAlpha = new CopyOnWriteArrayList<>();
		alphaClient.subscribe("wanted", atAlpha::add);
		await().atMost(WAIT).until(() -> host.subscribersOf("wanted").equals(Set.of(Endpoint.named("alpha"))));

		try (RawClient raw = new RawClient(fx.socket())) {
			raw.send(new Frame.Hello(List.of(1, 2, 3), Endpoint.named("raw")));
			assertThat(raw.next(WAIT))
				.isEqualTo(new Frame.Welcome(3, Endpoint.named("host"), List.of(Endpoint.named("alpha"))));
			int alphaId = -1;
			Frame.Subscribers told = null;
			while (told == null) {
				Frame frame = raw.next(WAIT);
				assertThat(frame).isNotNull().isNotSameAs(RawClient.EOF);
				if (frame instanceof Frame.Bind bind && bind.source().toEndpoint().equals(Endpoint.named("alpha"))) {
					alphaId = bind.id();
				}
				else if (frame instanceof Frame.Subscribers subscribers) {
					told = subscribers;
				}
			}
			assertThat(told).isEqualTo(new Frame.Subscribers(Endpoint.named("alpha"), List.of("wanted")));
			assertThat(alphaId).isPositive();
			long undeliverable = host.stats().undeliverable();
			// a publication on a topic alpha does not subscribe to is dropped at the
			// host;
			// the one after it, on alpha's topic, arrives first
			raw.write(CompactFrames.encode(CompactFrames.PUBLISH, alphaId, "unwanted", bytes("pushed")));
			raw.write(CompactFrames.encode(CompactFrames.PUBLISH, alphaId, "wanted", bytes("asked for")));
			await().atMost(WAIT).until(() -> !atAlpha.isEmpty());
			IncomingMessage got = atAlpha.get(0);
			assertThat(new String(got.payload(), StandardCharsets.UTF_8)).isEqualTo("asked for");
			assertThat(got.kind()).isEqualTo(DeliveryKind.PUBLISHED);
			assertThat(got.source()).isEqualTo(new Source.Named("raw", USER));
			assertThat(host.stats().undeliverable()).isEqualTo(undeliverable + 1);

			// its own announcement reaches the others
			raw.send(new Frame.Subscriptions(List.of("news")));
			await().atMost(WAIT).until(() -> alpha.subscribersOf("news").equals(Set.of(Endpoint.named("raw"))));
		}
		await().atMost(WAIT).until(() -> alpha.subscribersOf("news").isEmpty());
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
