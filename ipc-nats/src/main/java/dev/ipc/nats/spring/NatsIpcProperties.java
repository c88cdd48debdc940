package dev.ipc.nats.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import dev.ipc.nats.SourceTrust;

/**
 * The NATS backend's settings, {@code ipc.transport.nats.*} (used when
 * {@code ipc.transport.type=nats}). At most one kind of credentials may be set; secrets
 * belong in the environment, not in files under version control.
 *
 * @param servers Server URLs (nats://host:port, tls://host:port); the client fails over
 * between them and the cluster's other nodes, which it discovers.
 * @param namespace Subject namespace (ipc.<namespace>.<destination>.<source>); endpoints
 * talk only within one.
 * @param username User name (with password).
 * @param password Password (with username).
 * @param token Authentication token.
 * @param nkeySeed NKey seed (SU...); the server's config lists its public key.
 * @param credentialsFile JWT credentials file (.creds) for decentralised auth.
 * @param tls TLS to the server.
 * @param sourceTrust Whether the server's permissions let each endpoint publish only
 * under its own name ('broker-enforced', checked at startup; sources then carry the user
 * 'nats:broker-vouched') or nothing is known ('unverified': a source is only as
 * trustworthy as every user of the broker).
 * @param maxMessageSize Largest message sent or accepted; larger incoming ones are
 * dropped and counted.
 * @param presence How endpoints learn who is present.
 * @param connectionTimeout How long connecting to one server may take.
 * @param reconnectWait Pause between reconnect attempts to one server.
 * @param pingInterval How often the client pings the server.
 * @author IPC contributors
 * @since 0.1.0
 */
@ConfigurationProperties("ipc.transport.nats")
public record NatsIpcProperties(@DefaultValue("nats://127.0.0.1:4222") List<String> servers,
		@DefaultValue("default") String namespace, @Nullable String username, @Nullable String password,
		@Nullable String token, @Nullable String nkeySeed, @Nullable Path credentialsFile, @DefaultValue Tls tls,
		@DefaultValue("unverified") SourceTrust sourceTrust, @DefaultValue("1MB") DataSize maxMessageSize,
		@DefaultValue Presence presence, @DefaultValue("2s") Duration connectionTimeout,
		@DefaultValue("250ms") Duration reconnectWait, @DefaultValue("10s") Duration pingInterval) {

	/**
	 * TLS settings.
	 *
	 * @param enabled Whether to use TLS with the JVM's default trust store (implied by a
	 * 'bundle').
	 * @param bundle Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) with the trust
	 * store and, for mutual TLS, the client key.
	 */
	public record Tls(@DefaultValue("false") boolean enabled, @Nullable String bundle) {

	}

	/**
	 * Presence settings.
	 *
	 * @param interval How often this endpoint announces itself.
	 * @param timeout After how long without an announcement a peer counts as gone (its
	 * pending RPCs then fail); at least twice the interval.
	 */
	public record Presence(@DefaultValue("1s") Duration interval, @DefaultValue("3s") Duration timeout) {

	}

}
