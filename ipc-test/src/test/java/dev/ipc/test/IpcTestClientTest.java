package dev.ipc.test;

import java.util.concurrent.TimeUnit;

import dev.ipc.client.Registration;
import dev.ipc.client.TypedSubscription;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.model.Endpoint;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.test.TestApplication.Greet;
import dev.ipc.test.TestApplication.Handlers;
import dev.ipc.test.TestApplication.JobDone;
import dev.ipc.test.TestApplication.Outbound;
import dev.ipc.test.TestApplication.Price;
import dev.ipc.test.TestApplication.PriceQuery;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An application configured for a Unix socket, tested through the in-memory bus with the
 * test client.
 */
@SpringBootTest(classes = TestApplication.class)
@AutoConfigureIpcTest
class IpcTestClientTest {

	@Autowired
	IpcTestClient ipc;

	@Autowired
	Handlers handlers;

	@Autowired
	Outbound outbound;

	@Autowired
	CommunicationBackend backend;

	@Autowired
	CryptoProvider<?> crypto;

	@Test
	void theApplicationRunsOnTheInMemoryBusWithItsOwnCrypto() {
		assertThat(this.backend.toString()).startsWith("InMemoryBackend");
		assertThat(this.crypto).isInstanceOf(NoiseCryptoProvider.class);
		assertThat(this.ipc.applicationEndpoint()).isEqualTo(Endpoint.named("app-under-test"));
		assertThat(this.ipc.endpoint()).isEqualTo(Endpoint.named("test-client"));
	}

	@Test
	void callsTheApplicationsHandler() {
		assertThat(this.ipc.request(new Greet("ada")).text()).startsWith("hello ada from Named[name=test-client");
	}

	@Test
	void sendsEventsToTheApplicationsSubscribers() throws InterruptedException {
		this.ipc.send(new JobDone("job-7"));
		assertThat(this.handlers.jobsSeen.poll(10, TimeUnit.SECONDS)).startsWith("job-7 by Named[name=test-client");
	}

	@Test
	void awaitsWhatTheApplicationSends() {
		try (TypedSubscription<JobDone> jobs = this.ipc.subscribe(JobDone.class)) {
			this.outbound.announce("job-9", "test-client");
			TypedIncomingMessage<JobDone> message = this.ipc.await(jobs);
			assertThat(message.payload().jobId()).isEqualTo("job-9");
			assertThat(message.source().toEndpoint()).isEqualTo(Endpoint.named("app-under-test"));
		}
	}

	@Test
	void standsInForAServiceTheApplicationCalls() throws Exception {
		try (Registration pricing = this.ipc.respondTo(PriceQuery.class,
				(query, context) -> new Price(query.item(), 250))) {
			assertThat(this.outbound.priceOf("tea", "test-client")).isEqualTo(250);
		}
	}

	@Test
	void awaitingNothingFailsAsAnAssertionThatSaysWhat() {
		try (TypedSubscription<JobDone> jobs = this.ipc.subscribe(JobDone.class)) {
			IpcTestClient impatient = new IpcTestClient(this.ipc.client(), this.ipc.endpoint(),
					this.ipc.applicationEndpoint(), java.time.Duration.ofMillis(50));
			assertThatThrownBy(() -> impatient.await(jobs)).isInstanceOf(AssertionError.class)
				.hasMessageContaining("No message on topic 'test.job-done' within PT0.05S");
		}
	}

}
