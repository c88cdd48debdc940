package dev.ipc.nats.spring;

import java.time.Duration;
import java.util.Optional;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.ipc.nats.NatsTransport;
import dev.ipc.nats.NatsTransportStats;

/**
 * The {@code ipcNats} health component: up while connected to a server, with the server,
 * the round-trip time, the namespace, the source trust, the present peers and the
 * reconnects; down with the last problem otherwise. Never shows credentials.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class NatsHealthIndicator extends AbstractHealthIndicator {

	private final NatsTransport transport;

	public NatsHealthIndicator(NatsTransport transport) {
		super("NATS health check failed");
		this.transport = transport;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		NatsTransportStats stats = transport.stats();
		builder.withDetail("namespace", transport.options().namespace())
			.withDetail("sourceTrust", transport.options().sourceTrust().name())
			.withDetail("peers", stats.peers())
			.withDetail("reconnects", stats.reconnects())
			.withDetail("permissionViolations", stats.permissionViolations());
		if (!stats.connected()) {
			builder.down().withDetail("problem", transport.lastConnectionProblem().orElse("not connected"));
			return;
		}
		builder.up();
		if (stats.connectedUrl() != null) {
			builder.withDetail("server", stats.connectedUrl());
		}
		Optional<Duration> rtt = transport.roundTripTime();
		rtt.ifPresent(value -> builder.withDetail("rttMicros", value.toNanos() / 1000));
	}

}
