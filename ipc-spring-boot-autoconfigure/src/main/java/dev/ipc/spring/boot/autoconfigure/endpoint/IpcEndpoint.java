package dev.ipc.spring.boot.autoconfigure.endpoint;

import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import dev.ipc.client.IpcClient;
import dev.ipc.crypto.noise.PeerAuthentication;
import dev.ipc.crypto.noise.StaticKeys;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.SessionRepository;
import dev.ipc.spring.annotation.IpcHandlerEndpoint;
import dev.ipc.spring.annotation.IpcRpcEndpoint;
import dev.ipc.spring.annotation.IpcRpcHandlerRegistry;
import dev.ipc.spring.annotation.IpcSubscriberEndpoint;
import dev.ipc.spring.annotation.IpcSubscriberRegistry;
import dev.ipc.spring.boot.autoconfigure.IpcErrorRecorder;

/**
 * The {@code ipc} actuator endpoint: the client's state, its topics and RPC handlers with
 * their methods, connected peers and whether a session is held with each (never keys),
 * and the last error. Read-only.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@Endpoint(id = "ipc")
public class IpcEndpoint {

	private final IpcClient client;

	private final CommunicationBackend backend;

	private final SessionRepository<?> sessions;

	private final dev.ipc.model.Endpoint localEndpoint;

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
	 * @param subscribers the annotated subscribers, if any
	 * @param rpcHandlers the annotated RPC handlers, if any
	 * @param errors the last-error recorder, if any
	 */
	public IpcEndpoint(IpcClient client, CommunicationBackend backend, SessionRepository<?> sessions,
			dev.ipc.model.Endpoint localEndpoint, @Nullable IpcSubscriberRegistry subscribers,
			@Nullable IpcRpcHandlerRegistry rpcHandlers, @Nullable IpcErrorRecorder errors) {
		this(client, backend, sessions, localEndpoint, subscribers, rpcHandlers, errors, null);
	}

	/**
	 * Creates a new instance that also describes the authentication (policy, static key
	 * fingerprints, known peers; never keys).
	 * @param client the client
	 * @param backend its transport
	 * @param sessions its session repository
	 * @param localEndpoint the endpoint this process is reachable under
	 * @param subscribers the annotated subscribers, if any
	 * @param rpcHandlers the annotated RPC handlers, if any
	 * @param errors the last-error recorder, if any
	 * @param authentication the Noise provider's authentication, if any
	 */
	public IpcEndpoint(IpcClient client, CommunicationBackend backend, SessionRepository<?> sessions,
			dev.ipc.model.Endpoint localEndpoint, @Nullable IpcSubscriberRegistry subscribers,
			@Nullable IpcRpcHandlerRegistry rpcHandlers, @Nullable IpcErrorRecorder errors,
			@Nullable PeerAuthentication authentication) {
		this.authentication = authentication;
		this.client = client;
		this.backend = backend;
		this.sessions = sessions;
		this.localEndpoint = localEndpoint;
		this.subscribers = subscribers;
		this.rpcHandlers = rpcHandlers;
		this.errors = errors;
	}

	/** The whole description. */
	@ReadOperation
	public IpcDescriptor ipc() {
		List<PeerDescriptor> peers = this.backend.reachableEndpoints()
			.stream()
			.filter((endpoint) -> !endpoint.equals(this.localEndpoint))
			.map((endpoint) -> new PeerDescriptor(describe(endpoint), this.sessions.get(endpoint).isPresent()))
			.sorted((a, b) -> a.endpoint().compareTo(b.endpoint()))
			.toList();
		List<SubscriberDescriptor> subscriberList = (this.subscribers != null)
				? this.subscribers.getEndpoints().stream().map(IpcEndpoint::describe).toList() : List.of();
		List<RpcHandlerDescriptor> handlerList = (this.rpcHandlers != null)
				? this.rpcHandlers.getEndpoints().stream().map(IpcEndpoint::describe).toList() : List.of();
		IpcErrorRecorder.LastError lastError = (this.errors != null) ? this.errors.getLastError().orElse(null) : null;
		return new IpcDescriptor(describe(this.localEndpoint), this.client.state().name(), this.backend.isConnected(),
				peers, this.sessions.size(), new TreeSet<>(this.client.subscribedTopics()),
				new TreeSet<>(this.client.rpcHandlerNames()), subscriberList, handlerList, lastError,
				describe(this.authentication));
	}

	private static @Nullable AuthenticationDescriptor describe(@Nullable PeerAuthentication authentication) {
		if (authentication == null) {
			return null;
		}
		Map<String, String> fingerprints = new LinkedHashMap<>();
		for (StaticKeys.Algorithm algorithm : StaticKeys.Algorithm.values()) {
			fingerprints.put(algorithm.noiseName(), authentication.staticKeys().fingerprint(algorithm));
		}
		List<KnownPeerDescriptor> known = authentication.knownPeers()
			.entries()
			.stream()
			.map((entry) -> new KnownPeerDescriptor(describe(entry.endpoint()), entry.algorithm().noiseName(),
					entry.fingerprint(), entry.added().toString()))
			.toList();
		return new AuthenticationDescriptor(authentication.defaultPolicy().name().toLowerCase(), fingerprints, known,
				authentication.hasPairingKey());
	}

	/**
	 * One annotated handler by id.
	 * @param id the subscriber or RPC handler id
	 * @return its description, or {@code null} (404) if there is none
	 */
	@ReadOperation
	public @Nullable Object handler(@Selector String id) {
		if (this.subscribers != null) {
			IpcSubscriberEndpoint endpoint = this.subscribers.getEndpoint(id);
			if (endpoint != null) {
				return describe(endpoint);
			}
		}
		if (this.rpcHandlers != null) {
			IpcRpcEndpoint endpoint = this.rpcHandlers.getEndpoint(id);
			if (endpoint != null) {
				return describe(endpoint);
			}
		}
		return null;
	}

	private static SubscriberDescriptor describe(IpcSubscriberEndpoint endpoint) {
		return new SubscriberDescriptor(endpoint.getId(), endpoint.getTopic(), endpoint.describe(),
				endpoint.getBeanName(), endpoint.isRunning(), endpoint.getConcurrency(),
				typeName(endpoint.getPayloadType()), sources(endpoint), endpoint.getSourceFilter().getUsers());
	}

	private static RpcHandlerDescriptor describe(IpcRpcEndpoint endpoint) {
		return new RpcHandlerDescriptor(endpoint.getId(), endpoint.getRequestName(), endpoint.describe(),
				endpoint.getBeanName(), endpoint.isRunning(), endpoint.getConcurrency(),
				endpoint.getRequestType().getName(), endpoint.getResponseType().getTypeName(), sources(endpoint),
				endpoint.getSourceFilter().getUsers());
	}

	private static String describe(dev.ipc.model.Endpoint endpoint) {
		return (endpoint instanceof dev.ipc.model.Endpoint.Named named) ? named.name() : endpoint.toString();
	}

	private static Set<String> sources(IpcHandlerEndpoint endpoint) {
		return endpoint.getSourceFilter().getSources();
	}

	private static @Nullable String typeName(@Nullable Type type) {
		return (type != null) ? type.getTypeName() : null;
	}

	/**
	 * The client as a whole.
	 *
	 * @param endpoint the endpoint this process is reachable under
	 * @param state the client's life-cycle state
	 * @param connected whether the transport is connected or serving
	 * @param peers the connected peers
	 * @param sessions the number of sessions held ({@code -1}: unknown)
	 * @param topics every subscribed topic, annotated or programmatic
	 * @param rpcRequests every request type with a handler, annotated, programmatic or
	 * built in
	 * @param subscribers the annotated subscribers
	 * @param rpcHandlers the annotated RPC handlers
	 * @param lastError the last error, if any
	 */
	public record IpcDescriptor(String endpoint, String state, boolean connected, List<PeerDescriptor> peers,
			int sessions, Set<String> topics, Set<String> rpcRequests, List<SubscriberDescriptor> subscribers,
			List<RpcHandlerDescriptor> rpcHandlers, IpcErrorRecorder.@Nullable LastError lastError,
			@Nullable AuthenticationDescriptor authentication) {

	}

	/**
	 * The authentication of Java peers.
	 *
	 * @param policy the policy of peers without their own
	 * @param staticKeys this process's static key fingerprints by algorithm
	 * @param knownPeers the trusted peers
	 * @param pairingKey whether a pairing key is configured
	 */
	public record AuthenticationDescriptor(String policy, Map<String, String> staticKeys,
			List<KnownPeerDescriptor> knownPeers, boolean pairingKey) {

	}

	/**
	 * A trusted peer key.
	 *
	 * @param endpoint the peer
	 * @param algorithm {@code 25519} or {@code P256}
	 * @param fingerprint the key's fingerprint
	 * @param added when it was added (ISO-8601)
	 */
	public record KnownPeerDescriptor(String endpoint, String algorithm, String fingerprint, String added) {

	}

	/**
	 * A connected peer.
	 *
	 * @param endpoint the peer's endpoint
	 * @param session whether a cryptographic session is held with it
	 */
	public record PeerDescriptor(String endpoint, boolean session) {

	}

	/**
	 * An annotated subscriber.
	 *
	 * @param id its id
	 * @param topic its topic
	 * @param method its method
	 * @param bean its bean
	 * @param running whether it is registered with the client
	 * @param concurrency messages handled at once
	 * @param payloadType the decoded payload type, if any
	 * @param sources accepted sources (empty: any)
	 * @param users accepted OS users (empty: any)
	 */
	public record SubscriberDescriptor(String id, String topic, String method, String bean, boolean running,
			int concurrency, @Nullable String payloadType, Set<String> sources, Set<String> users) {

	}

	/**
	 * An annotated RPC handler.
	 *
	 * @param id its id
	 * @param request the request type name
	 * @param method its method
	 * @param bean its bean
	 * @param running whether it is registered with the client
	 * @param concurrency maximum concurrent invocations ({@code 0}: unbounded)
	 * @param requestType the request class
	 * @param responseType the response type
	 * @param sources accepted sources (empty: any)
	 * @param users accepted OS users (empty: any)
	 */
	public record RpcHandlerDescriptor(String id, String request, String method, String bean, boolean running,
			int concurrency, String requestType, String responseType, Set<String> sources, Set<String> users) {

	}

}
