package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ipc.client.IpcClient;
import dev.ipc.crypto.noise.NoiseTestSupport.MutableClock;
import dev.ipc.crypto.noise.NoiseTestSupport.RecordingEvents;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.IpcException;
import dev.ipc.support.Fixtures.TestHandler;
import dev.ipc.support.Fixtures.TestRequest;
import dev.ipc.support.Fixtures.TestResponse;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * Code on the inbound path (a direct-dispatch handler) cannot wait for a handshake, whose
 * answer would have to come through that same path: a session due for a rehandshake keeps
 * serving there, and a handshake from scratch fails at once instead of after its timeout.
 */
class InboundPathHandshakeTest {

	private static final long EPOCH = 1_700_000_000L;

	private final InMemoryBus bus = new InMemoryBus();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	@AfterEach
	void tearDown() throws Exception {
		for (int i = closeables.size() - 1; i >= 0; i--) {
			closeables.get(i).close();
		}
	}

	private IpcClient client(String name, NoiseCryptoProvider provider, RecordingEvents events) {
		CommunicationBackend backend = bus.connect(Endpoint.named(name));
		IpcClient client = IpcClient.builder()
			.name(name)
			.backend(backend)
			.crypto(provider, new InMemorySessionRepository<NoiseSession>())
			.listener(events)
			.directDispatch(true)
			.defaultRpcTimeout(Duration.ofSeconds(10))
			.build();
		closeables.add(backend);
		closeables.add(client);
		return client;
	}

	@Test
	void aDirectHandlerRepliesWithASessionDueForARehandshake() throws Exception {
		MutableClock serverClock = new MutableClock(EPOCH);
		RecordingEvents serverEvents = new RecordingEvents();
		IpcClient server = client("server", NoiseCryptoProvider.builder().clock(serverClock).build(), serverEvents);
		server.registerRpcHandler(TestRequest.class, new TestHandler());
		server.start();
		IpcClient caller = client("caller", new NoiseCryptoProvider(), new RecordingEvents());
		caller.start();
		Endpoint serverEndpoint = Endpoint.named("server");
		assertThat(caller.request(new TestRequest(1, 2), serverEndpoint).get(10, TimeUnit.SECONDS))
			.isEqualTo(new TestResponse(3));

		serverClock.advanceSeconds(301); // the server's session is now due for a
											// rehandshake on its next send
		assertThat(caller.request(new TestRequest(2, 3), serverEndpoint).get(10, TimeUnit.SECONDS))
			.isEqualTo(new TestResponse(5));
		assertThat(serverEvents.initiatorStarted.get()).as("the reply did not handshake").isZero();
	}

	@Test
	void aDirectHandlerCannotHandshakeFromScratchAndFailsAtOnce() throws Exception {
		RecordingEvents serverEvents = new RecordingEvents();
		IpcClient server = client("server",
				NoiseCryptoProvider.builder().handshakeTimeout(Duration.ofSeconds(60)).build(), serverEvents);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		server.subscribe("poke", message -> {
			try {
				server.send(new OutgoingMessage(utf8("x"), Endpoint.named("third"), "t"));
			}
			catch (IpcException ex) {
				failure.set(ex);
			}
		});
		server.start();
		IpcClient third = client("third", new NoiseCryptoProvider(), new RecordingEvents());
		third.start();
		IpcClient caller = client("caller", new NoiseCryptoProvider(), new RecordingEvents());
		caller.start();

		caller.send(new OutgoingMessage(utf8("{}"), Endpoint.named("server"), "poke"));
		await().atMost(Duration.ofSeconds(5)).until(() -> failure.get() != null);
		assertThat(failure.get()).hasMessageContaining("on the inbound path");
		assertThat(serverEvents.initiatorStarted.get()).isZero();
	}

}
