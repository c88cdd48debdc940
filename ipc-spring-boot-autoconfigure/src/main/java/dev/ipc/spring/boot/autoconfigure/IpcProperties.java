package dev.ipc.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import dev.ipc.client.DuplicateHandlerPolicy;
import dev.ipc.crypto.noise.AuthenticationPolicy;

/**
 * Configuration properties for the IPC client ({@code ipc.*}).
 *
 * <p>
 * Constraints are checked by Bean Validation when a validator is on the class path
 * ({@code spring-boot-starter-validation}); rules that span several keys (file sessions
 * need a secret, TCP on a non-loopback address must be allowed explicitly) are always
 * checked when the client is created, and fail startup with a message naming the
 * property.
 *
 * @param enabled Whether to auto-configure the IPC client.
 * @param endpoint Name this process is reachable under, for example 'vault'. Defaults to
 * 'spring.application.name'. 'DesktopMain' and 'DesktopRenderer' select those Bitwarden
 * endpoints; anything else is a named endpoint.
 * @param transport How messages travel between processes.
 * @param crypto End-to-end encryption of application messages.
 * @param sessions Where cryptographic sessions with peers are kept.
 * @param rpc Request/response settings.
 * @param subscriber Publish/subscribe settings.
 * @param handlers Settings shared by annotated subscribers and RPC handlers.
 * @param discover Built-in answer to peers' discover (ping) requests.
 * @param shutdown Graceful shutdown.
 * @param workerThreads Number of platform threads kept ready to run handlers and
 * subscribers; the pool grows on demand up to 256 so that handlers waiting for another
 * RPC cannot starve it. Defaults to max(4, 2 x available processors). Ignored when
 * virtual threads are enabled ('spring.threads.virtual.enabled').
 * @param keepAlive Whether the running client keeps the JVM alive, as a message listener
 * container does: a headless application ('spring.main.web-application-type=none') then
 * serves until it is stopped (SIGTERM, context close) instead of exiting right after
 * startup. Turn off when something else keeps the JVM alive or the application should end
 * with its main method.
 * @param maxMessageSize Largest message payload sent or accepted with the Noise provider
 * (at most 1GB). Between two processes of this framework a payload above one Noise frame
 * (65,519 bytes) travels as several encrypted frames up to this size; toward a Bitwarden
 * client every message stays limited to 65,519 bytes. A send over the limit fails before
 * anything is sent; a larger incoming message is dropped and counted.
 * @param authentication Authenticated peers between Java processes (static keys, known
 * peers, pairing); Bitwarden peers always use plain Noise NN.
 * @author IPC contributors
 * @since 0.1.0
 */
@Validated
@ConfigurationProperties("ipc")
public record IpcProperties(@DefaultValue("true") boolean enabled, @Nullable String endpoint,
		@DefaultValue @Valid Transport transport, @DefaultValue @Valid Crypto crypto,
		@DefaultValue @Valid Sessions sessions, @DefaultValue @Valid Rpc rpc,
		@DefaultValue @Valid Subscriber subscriber, @DefaultValue @Valid Handlers handlers,
		@DefaultValue @Valid Discover discover, @DefaultValue @Valid Shutdown shutdown,
		@Nullable @Min(1) Integer workerThreads, @DefaultValue("true") boolean keepAlive,
		@DefaultValue("16MB") DataSize maxMessageSize, @DefaultValue @Valid Authentication authentication) {

	public IpcProperties {
		PropertyChecks.atLeast("ipc.worker-threads", workerThreads, 1);
		PropertyChecks.between("ipc.max-message-size", maxMessageSize, 1, 1024L * 1024 * 1024);
	}

	/**
	 * Transport settings.
	 *
	 * @param type Transport to use. 'unix' and 'tcp' connect processes on one machine;
	 * 'in-memory' connects clients inside one JVM (tests, demos) through an InMemoryBus
	 * bean, which may be shared between contexts.
	 * @param role Whether this process binds the socket ('host'), connects to it
	 * ('peer'), or connects when a host answers and otherwise becomes the host ('auto').
	 * @param path Unix socket file. Defaults to '$XDG_RUNTIME_DIR/dev.ipc/ipc.sock' when
	 * that variable is set, else 'dev.ipc-<user>/ipc.sock' in the temporary directory.
	 * @param host TCP address to bind (host) or connect to (peer).
	 * @param port TCP port to bind (host) or connect to (peer).
	 * @param allowNonLoopback Whether TCP may use an address other than loopback. Anyone
	 * who can reach the port can then connect: Noise encrypts but does not authenticate
	 * peers.
	 * @param maxFrameSize Largest frame accepted on a socket; a larger frame closes that
	 * connection.
	 * @param outboundQueueCapacity Frames queued per connection before sending fails as
	 * overflow.
	 * @param reconnect How a peer reconnects after losing the host.
	 * @param allowedUsers OS users, besides the host's own, allowed to connect to a Unix
	 * socket host, checked with the peer's credentials.
	 * @param maxConnections Most registered peers a host holds at once.
	 * @param maxPendingConnections Most connections a host holds that have not completed
	 * their handshake; when full, the one waiting longest is replaced by the newcomer.
	 * @param maxConnectionsPerUser Most registered peers of one OS user (Unix) or remote
	 * address (TCP). 0 for the default: three quarters of max-connections when several
	 * users are allowed, else max-connections.
	 * @param maxPendingPerUser Most handshaking connections of one user. 0 for the
	 * default: half of max-pending-connections when several users are allowed, else all
	 * of it.
	 * @param idleEvictionAfter How long a registered peer must have sent nothing before a
	 * host may evict it to register a newcomer when the cap or the newcomer's quota is
	 * full.
	 */
	public record Transport(@DefaultValue("unix") @NotNull TransportType type,
			@DefaultValue("auto") @NotNull TransportRole role, @Nullable Path path,
			@DefaultValue("127.0.0.1") String host, @DefaultValue("47600") @Min(0) @Max(65535) int port,
			@DefaultValue("false") boolean allowNonLoopback, @DefaultValue("1MB") DataSize maxFrameSize,
			@DefaultValue("1024") @Min(1) int outboundQueueCapacity, @DefaultValue @Valid Reconnect reconnect,
			@DefaultValue List<String> allowedUsers, @DefaultValue("64") @Min(1) int maxConnections,
			@DefaultValue("16") @Min(1) int maxPendingConnections, @DefaultValue("0") @Min(0) int maxConnectionsPerUser,
			@DefaultValue("0") @Min(0) int maxPendingPerUser, @DefaultValue("10s") Duration idleEvictionAfter) {

		public Transport {
			PropertyChecks.between("ipc.transport.port", port, 0, 65535);
			PropertyChecks.positive("ipc.transport.max-frame-size", maxFrameSize);
			PropertyChecks.atLeast("ipc.transport.outbound-queue-capacity", outboundQueueCapacity, 1);
			PropertyChecks.atLeast("ipc.transport.max-connections", maxConnections, 1);
			PropertyChecks.atLeast("ipc.transport.max-pending-connections", maxPendingConnections, 1);
			PropertyChecks.atLeast("ipc.transport.max-connections-per-user", maxConnectionsPerUser, 0);
			PropertyChecks.atLeast("ipc.transport.max-pending-per-user", maxPendingPerUser, 0);
			PropertyChecks.positive("ipc.transport.idle-eviction-after", idleEvictionAfter);
		}

	}

	/**
	 * Reconnect backoff of a peer.
	 *
	 * @param initialBackoff Delay before the first reconnect attempt.
	 * @param maxBackoff Longest delay between attempts; the delay doubles after each
	 * failed attempt up to it, with random jitter.
	 */
	public record Reconnect(@DefaultValue("100ms") Duration initialBackoff, @DefaultValue("5s") Duration maxBackoff) {

		public Reconnect {
			PropertyChecks.positive("ipc.transport.reconnect.initial-backoff", initialBackoff);
			PropertyChecks.positive("ipc.transport.reconnect.max-backoff", maxBackoff);
			if (maxBackoff.compareTo(initialBackoff) < 0) {
				throw new IpcConfigurationException("ipc.transport.reconnect.max-backoff",
						"is shorter than ipc.transport.reconnect.initial-backoff (" + maxBackoff + " < "
								+ initialBackoff + ")",
						"Set ipc.transport.reconnect.max-backoff to at least the initial backoff");
			}
		}

	}

	/**
	 * Encryption settings.
	 *
	 * @param provider Crypto provider. 'none' sends payloads in clear and is meant for
	 * tests and in-process transports only.
	 * @param suite Noise protocol proposed when this process initiates a handshake. Every
	 * supported protocol is accepted as responder. The default, X25519, costs a fifth of
	 * the CPU of P-256 per handshake; set 'Noise_NN_P256_AESGCM_SHA256' where
	 * FIPS-approved algorithms are required.
	 * @param handshakeTimeout How long a handshake may take before the send that
	 * triggered it fails.
	 * @param rehandshakeInterval Age of a session after which the next send renews it
	 * (forward secrecy).
	 */
	public record Crypto(@DefaultValue("noise") @NotNull CryptoProviderType provider,
			@DefaultValue("Noise_NN_25519_AESGCM_SHA256") @NotNull NoiseSuite suite,
			@DefaultValue("2s") Duration handshakeTimeout,
			@DefaultValue("300s") @DurationUnit(ChronoUnit.SECONDS) Duration rehandshakeInterval) {

		public Crypto {
			PropertyChecks.positive("ipc.crypto.handshake-timeout", handshakeTimeout);
			PropertyChecks.positive("ipc.crypto.rehandshake-interval", rehandshakeInterval);
		}

	}

	/**
	 * Session storage settings.
	 *
	 * @param store Where sessions are kept. 'memory' loses them on restart (peers then
	 * handshake again); 'file' keeps them encrypted at rest.
	 * @param file Session file, required when the store is 'file'.
	 * @param secret Secret the session file is encrypted with, required when the store is
	 * 'file'. Supply it from the environment or a secret store, not from a committed
	 * file.
	 */
	public record Sessions(@DefaultValue("memory") @NotNull SessionStore store, @Nullable Path file,
			@Nullable String secret) {

		@Override
		public String toString() {
			return "Sessions[store=" + store + ", file=" + file + ", secret=" + ((secret != null) ? "******" : null)
					+ "]";
		}

	}

	/**
	 * Authenticated peers (Noise KK between paired Java processes, NNpsk2 pairing).
	 *
	 * @param policy What peers without an entry in 'endpoints' must do: 'required' (only
	 * authenticated handshakes; refused otherwise, never downgraded), 'optional'
	 * (authenticated with known peers, plain NN with unknown ones) or 'none' (plain NN,
	 * as Bitwarden). Defaults to 'required' for transports that leave the machine (NATS,
	 * TCP with allow-non-loopback) and to 'none' for Unix sockets, loopback TCP and
	 * in-memory, where the socket's permissions and peer credentials already tell who
	 * connects.
	 * @param endpoints Policy per peer endpoint name (for example 'worker: required',
	 * 'DesktopMain: none'). Bitwarden endpoints (DesktopMain, DesktopRenderer, browser
	 * and web) are 'none' unless listed here.
	 * @param keyFile File that keeps this process's static keys, encrypted at rest
	 * (created on first start). Defaults to 'static-keys' next to ipc.sessions.file.
	 * @param knownPeersFile File of the peers this process trusts (like SSH's
	 * known_hosts). Defaults to 'known-peers' next to the key file.
	 * @param secret Secret the key file is encrypted with (at least 16 characters).
	 * Defaults to ipc.sessions.secret. Supply it from the environment.
	 * @param pairingKey 32-byte key shared with the processes to pair with, as a pairing
	 * code, 64 hex digits or base64. Supply it from the environment.
	 * @param pairingKeyFile File holding the pairing key, readable by its owner only
	 * (0600).
	 * @param generatePairingCode Whether to generate a pairing key when none is
	 * configured (written to pairing-key-file when set) and print it once on the console
	 * as a pairing code, for the other process's configuration.
	 * @param trustOnFirstUse Whether, under policy 'optional', an unknown Java peer's
	 * static key is pinned at first contact (stored in the known peers; later handshakes
	 * are KK and a changed key is refused), as SSH does. An attacker present at that
	 * first contact would be pinned instead; use a pairing key where that matters.
	 */
	public record Authentication(@Nullable AuthenticationPolicy policy,
			@DefaultValue Map<String, AuthenticationPolicy> endpoints, @Nullable Path keyFile,
			@Nullable Path knownPeersFile, @Nullable String secret, @Nullable String pairingKey,
			@Nullable Path pairingKeyFile, @DefaultValue("false") boolean generatePairingCode,
			@DefaultValue("false") boolean trustOnFirstUse) {

		@Override
		public String toString() {
			return "Authentication[policy=" + policy + ", endpoints=" + endpoints + ", keyFile=" + keyFile
					+ ", knownPeersFile=" + knownPeersFile + ", secret=" + ((secret != null) ? "******" : null)
					+ ", pairingKey=" + ((pairingKey != null) ? "******" : null) + ", pairingKeyFile=" + pairingKeyFile
					+ ", generatePairingCode=" + generatePairingCode + ", trustOnFirstUse=" + trustOnFirstUse + "]";
		}

	}

	/**
	 * Request/response settings.
	 *
	 * @param timeout Timeout of requests that do not give one.
	 * @param duplicateHandlerPolicy What registering a second handler for a request type
	 * does programmatically. Annotated handlers are always checked: two methods for one
	 * request type fail startup.
	 * @param concurrency Default maximum number of concurrent invocations of each
	 * annotated RPC handler. Unbounded when not set.
	 * @param spin How long a synchronous call polls for its response before its thread
	 * sleeps (at most 1s). Takes a thread wake-up off each round trip at the price of a
	 * busy CPU for up to this long per call; 0 (the default) sleeps at once.
	 */
	public record Rpc(@DefaultValue("30s") Duration timeout,
			@DefaultValue("fail") @NotNull DuplicateHandlerPolicy duplicateHandlerPolicy,
			@Nullable @Min(1) Integer concurrency, @DefaultValue("0s") Duration spin) {

		public Rpc {
			PropertyChecks.positive("ipc.rpc.timeout", timeout);
			PropertyChecks.atLeast("ipc.rpc.concurrency", concurrency, 1);
			PropertyChecks.notNegative("ipc.rpc.spin", spin);
			PropertyChecks.between("ipc.rpc.spin", spin.toMillis(), 0, 1000);
		}

	}

	/**
	 * Publish/subscribe settings.
	 *
	 * @param queueCapacity Capacity of each subscription's queue; on overflow the oldest
	 * message is dropped and counted.
	 * @param concurrency Default number of messages each annotated subscriber handles at
	 * once. 1 keeps arrival order.
	 */
	public record Subscriber(@DefaultValue("50") @Min(1) int queueCapacity,
			@DefaultValue("1") @Min(1) int concurrency) {

		public Subscriber {
			PropertyChecks.atLeast("ipc.subscriber.queue-capacity", queueCapacity, 1);
			PropertyChecks.atLeast("ipc.subscriber.concurrency", concurrency, 1);
		}

	}

	/**
	 * Annotated handler settings.
	 *
	 * @param autoStartup Whether annotated subscribers and RPC handlers start with the
	 * client. Handlers that do not can be started through IpcSubscriberRegistry and
	 * IpcRpcHandlerRegistry.
	 */
	public record Handlers(@DefaultValue("true") boolean autoStartup) {

	}

	/**
	 * Discover settings.
	 *
	 * @param enabled Whether to answer discover requests.
	 * @param version Version to answer with. Defaults to the application's build version
	 * (build-info, else 'spring.application.version') when known, else 'unknown'.
	 */
	public record Discover(@DefaultValue("true") boolean enabled, @Nullable String version) {

	}

	/**
	 * Shutdown settings.
	 *
	 * @param gracePeriod How long stopping waits for running handlers to finish before
	 * the client stops anyway. Keep it below
	 * 'spring.lifecycle.timeout-per-shutdown-phase'.
	 */
	public record Shutdown(@DefaultValue("10s") Duration gracePeriod) {

		public Shutdown {
			PropertyChecks.notNegative("ipc.shutdown.grace-period", gracePeriod);
		}

	}

	/** Transport types. */
	public enum TransportType {

		/** Clients inside one JVM, connected through an {@code InMemoryBus}. */
		IN_MEMORY,

		/** Unix domain socket (processes on one machine). */
		UNIX,

		/**
		 * TCP, loopback by default (processes on one machine where Unix sockets are not
		 * available).
		 */
		TCP,

		/**
		 * NATS (processes on any number of machines); needs the {@code ipc-nats} module,
		 * configured by {@code ipc.transport.nats.*}.
		 */
		NATS

	}

	/** Roles on a socket transport. */
	public enum TransportRole {

		/** Connect when a host answers, otherwise become the host. */
		AUTO,

		/** Bind the socket and route messages between peers. */
		HOST,

		/** Connect to a host. */
		PEER

	}

	/** Crypto providers. */
	public enum CryptoProviderType {

		/** Noise NN: every message encrypted, forward secrecy per session. */
		NOISE,

		/** No encryption (tests, in-process transports). */
		NONE

	}

	/** Session stores. */
	public enum SessionStore {

		/** In memory, lost on restart. */
		MEMORY,

		/** In a file encrypted at rest. */
		FILE

	}

	/**
	 * Noise protocols; bind with the protocol name, for example
	 * {@code Noise_NN_25519_AESGCM_SHA256}.
	 */
	public enum NoiseSuite {

		/**
		 * NN with P-256, AES-GCM and SHA-256 (Bitwarden's clients initiate with it; the
		 * choice for FIPS).
		 */
		NOISE_NN_P256_AESGCM_SHA256("Noise_NN_P256_AESGCM_SHA256"),

		/** NN with X25519, AES-GCM and SHA-256 (the default). */
		NOISE_NN_25519_AESGCM_SHA256("Noise_NN_25519_AESGCM_SHA256"),

		/** NN with X25519, ChaCha20-Poly1305 and BLAKE2s (needs Bouncy Castle). */
		NOISE_NN_25519_CHACHAPOLY_BLAKE2S("Noise_NN_25519_ChaChaPoly_BLAKE2s");

		private final String protocolName;

		NoiseSuite(String protocolName) {
			this.protocolName = protocolName;
		}

		/** The Noise protocol name, as on the wire. */
		public String protocolName() {
			return this.protocolName;
		}

	}

}
