package dev.ipc.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.nats.client.Dispatcher;
import io.nats.client.NKey;

import dev.ipc.event.DropReason;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.nats.NatsFixtures.DropCounter;
import dev.ipc.nats.NatsFixtures.RawConnection;
import dev.ipc.spi.BackendReceiver;

/**
 * What a hostile or broken client of the broker can do, against a real nats-server with
 * generated permissions.
 */
class NatsHostileTest {

	@TempDir
	Path dir;

	private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

	@AfterEach
	void closeAll() throws Exception {
		for (int i = resources.size() - 1; i >= 0; i--) {
			resources.get(i).close();
		}
	}

	private <T extends AutoCloseable> T keep(T resource) {
		resources.add(resource);
		return resource;
	}

	private NatsServer permissionedServer() {
		return keep(NatsServer.start(dir, NatsFixtures.authorization()));
	}

	/** Waits for the next message, failing the test after a generous bound. */
	private static IncomingMessage next(BackendReceiver receiver) throws InterruptedException {
		IncomingMessage message = receiver.receive(Duration.ofSeconds(30));
		assertThat(message).as("a message within the bound").isNotNull();
		return message;
	}

	@Test
	void publishingUnderAnotherEndpointsNameIsRefusedAndNeverSeenAsThatEndpoint() throws Exception {
		NatsServer server = permissionedServer();
		NatsTransport vault = keep(NatsFixtures.open(NatsFixtures.options("vault", server.url())));
		BackendReceiver receiver = keep(vault.subscribe());
		RawConnection mallory = keep(NatsFixtures.raw(server.url(), "mallory"));

		byte[] frame = NatsFrame.encode("nats.item-changed", "{\"id\":\"forged\"}".getBytes());
		mallory.connection().publish("ipc.t.vault.worker", frame); // claims to be the
																	// worker
		mallory.connection().publish("ipc.t._presence.worker", NatsFrame.presence(NatsFrame.HELLO, 7, 0));
		mallory.connection().publish("ipc.t.vault.mallory", frame); // its own name:
																	// allowed
		mallory.connection().flush(Duration.ofSeconds(10));

		IncomingMessage first = next(receiver);
		assertThat(first.source()).isEqualTo(new Source.Named("mallory", NatsSources.BROKER_VOUCHED_USER));
		assertThat(receiver.receive(Duration.ZERO)).isNull();
		assertThat(vault.reachableEndpoints()).doesNotContain(NatsFixtures.WORKER);
		await().atMost(Duration.ofSeconds(20)).until(() -> mallory.errors().any("Permissions Violation for Publish"));
	}

	@Test
	void aClientWithoutSubscribePermissionCannotReadOthersTraffic() throws Exception {
		NatsServer server = permissionedServer();
		NatsTransport vault = keep(NatsFixtures.open(NatsFixtures.options("vault", server.url())));
		BackendReceiver receiver = keep(vault.subscribe());
		NatsTransport worker = keep(NatsFixtures.open(NatsFixtures.options("worker", server.url())));
		keep(worker.subscribe());
		RawConnection mallory = keep(NatsFixtures.raw(server.url(), "mallory"));
		AtomicInteger stolen = new AtomicInteger();
		Dispatcher d = mallory.connection().createDispatcher(message -> stolen.incrementAndGet());
		d.subscribe("ipc.t.vault.*");
		d.subscribe("ipc.t.>");
		mallory.connection().flush(Duration.ofSeconds(10));
		await().atMost(Duration.ofSeconds(20)).until(() -> worker.reachableEndpoints().contains(NatsFixtures.VAULT));

		worker.send(new dev.ipc.model.OutgoingMessage("secret".getBytes(), NatsFixtures.VAULT, "topic"));
		assertThat(next(receiver).source().toEndpoint()).isEqualTo(NatsFixtures.WORKER);
		mallory.connection().flush(Duration.ofSeconds(10));
		assertThat(stolen).hasValue(0);
		assertThat(mallory.errors().any("Permissions Violation for Subscription")).isTrue();
	}

	@Test
	void oversizedAndMalformedMessagesAreDroppedAndCounted() throws Exception {
		NatsServer server = permissionedServer();
		DropCounter drops = new DropCounter();
		NatsTransport vault = keep(
				NatsFixtures.open(NatsFixtures.options("vault", server.url()).maxMessageBytes(4096).listener(drops)));
		BackendReceiver receiver = keep(vault.subscribe());
		RawConnection mallory = keep(NatsFixtures.raw(server.url(), "mallory"));

		mallory.connection().publish("ipc.t.vault.mallory", new byte[8192]); // oversized
		mallory.connection().publish("ipc.t.vault.mallory", new byte[] { 9, 9, 9 }); // not
																						// a
																						// frame
		mallory.connection().publish("ipc.t.vault.mallory", new byte[] { 1, 1, 0, 50, 'x' }); // topic
																								// past
																								// the
																								// end
		mallory.connection().publish("ipc.t._presence.mallory", new byte[] { 1, 2, 3 }); // bad
																							// presence
		mallory.connection().publish("ipc.t.vault.mallory", NatsFrame.encode(null, new byte[] { 42 })); // valid
		mallory.connection().flush(Duration.ofSeconds(10));

		assertThat(next(receiver).payload()).containsExactly(42);
		assertThat(drops.count(DropReason.OVERSIZED_FRAME)).isEqualTo(1);
		assertThat(drops.count(DropReason.MALFORMED_FRAME)).isEqualTo(3);
		assertThat(vault.stats().oversizedDrops()).isEqualTo(1);
		assertThat(vault.stats().malformedDrops()).isEqualTo(3);
	}

	@Test
	void brokerEnforcedTrustRefusesAServerWithoutPermissions() throws Exception {
		NatsServer open = keep(NatsServer.start(dir, ""));
		NatsTransportOptions.Builder options = NatsTransportOptions.builder()
			.endpoint("vault")
			.namespace("t")
			.servers(open.url())
			.sourceTrust(SourceTrust.BROKER_ENFORCED)
			.probeTimeout(Duration.ofMillis(500));
		assertThatThrownBy(() -> NatsTransport.open(options.build())).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("do not restrict publishing to ipc.t.*.vault");

		NatsTransport unverified = keep(NatsFixtures.open(options.sourceTrust(SourceTrust.UNVERIFIED)));
		BackendReceiver receiver = keep(unverified.subscribe());
		RawConnection anyone = keep(rawAnonymous(open.url()));
		anyone.connection().publish("ipc.t.vault.worker", NatsFrame.encode(null, new byte[] { 1 }));
		IncomingMessage message = next(receiver);
		assertThat(message.source()).isEqualTo(new Source.Named("worker", null));
		assertThat(NatsSources.isBrokerVouched(message.source())).isFalse();
	}

	@Test
	void nkeyUsersWithGeneratedPermissionsAreVouchedFor() throws Exception {
		NKey vaultKey = NKey.createUser(new SecureRandom());
		NKey workerKey = NKey.createUser(new SecureRandom());
		String config = NatsPermissions.forNamespace("t")
			.nkeyAuthorization(Map.of("vault", new String(vaultKey.getPublicKey()), "worker",
					new String(workerKey.getPublicKey())));
		NatsServer server = keep(NatsServer.start(dir, config));
		NatsTransport vault = keep(NatsTransport.open(nkeyOptions("vault", vaultKey, server).build()));
		BackendReceiver receiver = keep(vault.subscribe());
		NatsTransport worker = keep(NatsTransport.open(nkeyOptions("worker", workerKey, server).build()));
		keep(worker.subscribe());
		await().atMost(Duration.ofSeconds(20)).until(() -> worker.reachableEndpoints().contains(NatsFixtures.VAULT));
		worker.send(new dev.ipc.model.OutgoingMessage(new byte[] { 5 }, NatsFixtures.VAULT, null));
		assertThat(next(receiver).source()).isEqualTo(new Source.Named("worker", NatsSources.BROKER_VOUCHED_USER));
	}

	@Test
	void closingStopsEveryThreadOfTheTransport() throws Exception {
		NatsServer server = permissionedServer();
		NatsTransport vault = NatsFixtures.open(NatsFixtures.options("vault", server.url()));
		vault.subscribe();
		assertThat(threadsOf("ipc-nats-vault-")).isNotEmpty();
		vault.close();
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(threadsOf("ipc-nats-vault-")).as("threads left").isEmpty());
	}

	private static List<String> threadsOf(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(Thread::isAlive)
			.map(Thread::getName)
			.filter(name -> name.startsWith(prefix))
			.toList();
	}

	private static NatsTransportOptions.Builder nkeyOptions(String name, NKey key, NatsServer server) throws Exception {
		return NatsTransportOptions.builder()
			.endpoint(name)
			.namespace("t")
			.servers(server.url())
			.nkeySeed(key.getSeed())
			.sourceTrust(SourceTrust.BROKER_ENFORCED)
			.presence(Duration.ofMillis(250), Duration.ofSeconds(3));
	}

	private static RawConnection rawAnonymous(String url) throws Exception {
		NatsFixtures.ErrorsSeen errors = new NatsFixtures.ErrorsSeen();
		return new RawConnection(io.nats.client.Nats
			.connect(new io.nats.client.Options.Builder().server(url).errorListener(errors).maxReconnects(0).build()),
				errors);
	}

}
