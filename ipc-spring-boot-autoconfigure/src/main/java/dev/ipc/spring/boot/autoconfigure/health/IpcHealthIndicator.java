package dev.ipc.spring.boot.autoconfigure.health;

import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.ipc.client.IpcClient;
import dev.ipc.crypto.noise.PeerAuthentication;
import dev.ipc.crypto.noise.StaticKeys;
import dev.ipc.client.IpcClientState;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.SessionRepository;
import dev.ipc.spring.annotation.IpcRpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.boot.autoconfigure.IpcErrorRecorder;

/**
 * Health of the IPC client: {@code UP} when it runs and its transport is connected (a
 * peer) or serving (a host); {@code DOWN} when it was stopped by a fatal error, or runs
 * with its transport disconnected; {@code OUT_OF_SERVICE} when it is not running (before
 * start, after shutdown).
 *
 * <p>
 * Details: own endpoint, transport and role, client state, connected peers, active
 * sessions, subscribed topics and RPC request names, and the last error. While the
 * transport is not connected and knows why (a peer pointed at a wrong socket path, a host
 * that refused it), {@code connectionProblem} says so
 * ({@link CommunicationBackend#lastConnectionProblem()}). Never keys or payloads.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcHealthIndicator extends AbstractHealthIndicator {

	private final IpcClient client;

	private final CommunicationBackend backend;

	private final SessionRepository<?> sessions;

	private final Endpoint localEndpoint;

	private final String transport;

	private final @Nullable IpcSubscriberRegistry subscribers;

	private final @Nullable IpcRpcHandlerRegistry rpcHandlers;

	private final @Nullable IpcErrorRecorder errors;

	private final @Nullable PeerAuthentication authentication;

	/**
	 * Creates a new instance.
	 * @param client the client
	 * @param backend its transport
	 * @param sessions its session repository
	 * @param localEndpoint the endpoint this process is reachable under
	 * @param transport the transport type and role, for example {@code unix (auto)}
	 * @param subscribers the annotated subscribers, if any
	 * @param rpcHandlers the annotated RPC handlers, if any
	 * @param errors the last-error recorder, if any
	 */
	public IpcHealthIndicator(IpcClient client, CommunicationBackend backend, SessionRepository<?> sessions,
			Endpoint localEndpoint, String transport, @Nullable IpcSubscriberRegistry subscribers,
			@Nullable IpcRpcHandlerRegistry rpcHandlers, @Nullable IpcErrorRecorder errors) {
		this(client, backend, sessions, localEndpoint, transport, subscribers, rpcHandlers, errors, null);
	}

	/**
	 * Creates a new instance that also shows the authentication: the default policy, this
	 * process's static key fingerprints, how many peers are known and whether a pairing
	 * key is configured (never keys).
	 * @param client the client
	 * @param backend its transport
	 * @param sessions its session repository
	 * @param localEndpoint the endpoint this process is reachable under
	 * @param transport the transport type and role, for example {@code unix (auto)}
	 * @param subscribers the annotated subscribers, if any
	 * @param rpcHandlers the annotated RPC handlers, if any
	 * @param errors the last-error recorder, if any
	 * @param authentication the Noise provider's authentication, if any
	 */
	public IpcHealthIndicator(IpcClient client, CommunicationBackend backend, SessionRepository<?> sessions,
			Endpoint localEndpoint, String transport, @Nullable IpcSubscriberRegistry subscribers,
			@Nullable IpcRpcHandlerRegistry rpcHandlers, @Nullable IpcErrorRecorder errors,
			@Nullable PeerAuthentication authentication) {
		super("IPC health check failed");
		this.authentication = authentication;
		this.client = client;
		this.backend = backend;
		this.sessions = sessions;
		this.localEndpoint = localEndpoint;
		this.transport = transport;
		this.subscribers = subscribers;
		this.rpcHandlers = rpcHandlers;
		this.errors = errors;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		IpcClientState state = this.client.state();
		Throwable fatal = this.client.lastFatalError().orElse(null);
		boolean connected = this.backend.isConnected();
		if (state == IpcClientState.RUNNING) {
			if (connected) {
				builder.up();
			}
			else {
				builder.down();
			}
		}
		else if (fatal != null) {
			builder.down().withDetail("fatalError", fatal.getClass().getName() + ": " + fatal.getMessage());
		}
		else {
			builder.outOfService();
		}
		builder.withDetail("endpoint", describe(this.localEndpoint))
			.withDetail("transport", this.transport)
			.withDetail("state", state.name())
			.withDetail("connected", connected)
			.withDetail("peers", peers(this.backend, this.localEndpoint))
			.withDetail("sessions", this.sessions.size())
			.withDetail("topics", topics())
			.withDetail("rpcHandlers", new TreeSet<>(this.client.rpcHandlerNames()))
			.withDetail("authentication", authentication(this.authentication));
		if (!connected) {
			this.backend.lastConnectionProblem()
				.ifPresent((problem) -> builder.withDetail("connectionProblem", problem));
		}
		if (this.errors != null) {
			this.errors.getLastError()
				.ifPresent((error) -> builder.withDetail("lastError",
						Map.of("time", error.time().toString(), "description", error.description())));
		}
	}

	/**
	 * The authentication details: {@code none}, or the default policy, the static key
	 * fingerprints, the number of known peers and whether a pairing key is set.
	 */
	public static Object authentication(@Nullable PeerAuthentication authentication) {
		if (authentication == null) {
			return "none";
		}
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("policy", authentication.defaultPolicy().name().toLowerCase());
		Map<String, String> fingerprints = new LinkedHashMap<>();
		for (StaticKeys.Algorithm algorithm : StaticKeys.Algorithm.values()) {
			fingerprints.put(algorithm.noiseName(), authentication.staticKeys().fingerprint(algorithm));
		}
		details.put("staticKeys", fingerprints);
		details.put("knownPeers", authentication.knownPeers().entries().size());
		details.put("pairingKey", authentication.hasPairingKey() ? "configured" : "none");
		return details;
	}

	private Set<String> topics() {
		Set<String> topics = new TreeSet<>(this.client.subscribedTopics());
		if (this.subscribers != null) {
			topics.addAll(this.subscribers.getTopics());
		}
		return topics;
	}

	/** The connected peers: the transport's reachable endpoints except this process. */
	static List<String> peers(CommunicationBackend backend, Endpoint localEndpoint) {
		return backend.reachableEndpoints()
			.stream()
			.filter((endpoint) -> !endpoint.equals(localEndpoint))
			.map(IpcHealthIndicator::describe)
			.sorted()
			.toList();
	}

	/**
	 * A named endpoint's name, else the variant as on the wire (for example
	 * {@code DesktopMain}).
	 */
	static String describe(Endpoint endpoint) {
		return (endpoint instanceof Endpoint.Named named) ? named.name() : endpoint.toString();
	}

}
