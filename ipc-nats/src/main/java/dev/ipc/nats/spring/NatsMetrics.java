package dev.ipc.nats.spring;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.ipc.nats.NatsTransport;

/**
 * Micrometer meters of the NATS backend, next to the client's {@code ipc.*} meters (which
 * already count dropped messages by reason): {@code ipc.nats.connected},
 * {@code ipc.nats.peers}, {@code ipc.nats.reconnects}, {@code ipc.nats.messages.sent},
 * {@code ipc.nats.messages.received}, {@code ipc.nats.sends.refused} and
 * {@code ipc.nats.permission.violations}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class NatsMetrics implements MeterBinder {

	private final NatsTransport transport;

	public NatsMetrics(NatsTransport transport) {
		this.transport = transport;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("ipc.nats.connected", transport, t -> t.isConnected() ? 1 : 0)
			.description("Whether the NATS backend is connected to a server")
			.register(registry);
		Gauge.builder("ipc.nats.peers", transport, t -> t.stats().peers())
			.description("Endpoints present in the namespace")
			.register(registry);
		FunctionCounter.builder("ipc.nats.reconnects", transport, t -> t.stats().reconnects())
			.description("Reconnects to the same or another server")
			.register(registry);
		FunctionCounter.builder("ipc.nats.messages.sent", transport, t -> t.stats().messagesSent())
			.description("Messages published (application and protocol)")
			.register(registry);
		FunctionCounter.builder("ipc.nats.messages.received", transport, t -> t.stats().messagesReceived())
			.description("Messages handed to the client")
			.register(registry);
		FunctionCounter.builder("ipc.nats.sends.refused", transport, t -> t.stats().sendsRefused())
			.description("Sends refused as unreachable (peer absent, or no server)")
			.register(registry);
		FunctionCounter.builder("ipc.nats.permission.violations", transport, t -> t.stats().permissionViolations())
			.description("Operations the server refused for lack of permission")
			.register(registry);
	}

}
