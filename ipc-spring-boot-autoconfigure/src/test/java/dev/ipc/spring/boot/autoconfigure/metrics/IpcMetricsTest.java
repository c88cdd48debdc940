package dev.ipc.spring.boot.autoconfigure.metrics;

import java.util.Set;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.ipc.event.DropReason;
import dev.ipc.model.Endpoint;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.testing.TestCommunicationBackend;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IpcMetrics}' tag bounding.
 */
class IpcMetricsTest {

	private final IpcMetrics metrics = new IpcMetrics(new TestCommunicationBackend(), new InMemorySessionRepository<>(),
			Endpoint.named("me"), () -> Set.of("known"), () -> 0, () -> true);

	@Test
	void incomingTopicsAreTaggedOnlyWhenSubscribed() {
		assertThat(this.metrics.incomingTopicTag("known")).isEqualTo("known");
		assertThat(this.metrics.incomingTopicTag("anything")).isEqualTo("other");
		assertThat(this.metrics.incomingTopicTag(null)).isEqualTo("none");
		assertThat(this.metrics.incomingTopicTag("RpcRequestMessage")).isEqualTo("RpcRequestMessage");
		assertThat(this.metrics.incomingTopicTag("RpcResponseMessage:3f2a")).isEqualTo("RpcResponseMessage");
	}

	@Test
	void outgoingTopicsAreCapped() {
		for (int i = 0; i < IpcMetrics.MAX_OUTGOING_TOPICS; i++) {
			assertThat(this.metrics.outgoingTopicTag("t" + i)).isEqualTo("t" + i);
		}
		assertThat(this.metrics.outgoingTopicTag("one-too-many")).isEqualTo("other");
		assertThat(this.metrics.outgoingTopicTag("t0")).isEqualTo("t0");
		assertThat(this.metrics.outgoingTopicTag("RpcResponseMessage:abc")).isEqualTo("RpcResponseMessage");
	}

	@Test
	void decryptFailuresAndFreeTextReasonsAreBounded() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		this.metrics.bindTo(registry);
		this.metrics.messageDropped(DropReason.DECRYPTION_FAILED, Endpoint.named("p"));
		for (int i = 0; i < IpcMetrics.MAX_REASONS + 5; i++) {
			this.metrics.handshakeFailed(Endpoint.named("p"), "reason " + i);
		}
		assertThat(registry.get("ipc.crypto.decrypt.failures").counter().count()).isEqualTo(1);
		assertThat(registry.get("ipc.messages.dropped").tag("reason", "DECRYPTION_FAILED").counter().count())
			.isEqualTo(1);
		assertThat(registry.find("ipc.handshake.failures").counters()).hasSize(IpcMetrics.MAX_REASONS + 1);
		assertThat(registry.get("ipc.handshake.failures").tag("reason", "other").counter().count()).isEqualTo(5);
		this.metrics.handshakeCompleted(Endpoint.named("p"), "Noise_NN_P256_AESGCM_SHA256", true, 1_000);
		assertThat(registry.get("ipc.handshakes").tags("role", "initiator").timer().count()).isEqualTo(1);
	}

	@Test
	void eventsBeforeBindingAreIgnored() {
		this.metrics.messageReceived("known", Endpoint.named("p"), 3);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		this.metrics.bindTo(registry);
		assertThat(registry.find("ipc.messages.received").counter()).isNull();
	}

}
