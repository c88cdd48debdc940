package dev.ipc.spring.boot.autoconfigure.metrics;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.ipc.client.IpcClientState;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Topics;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.SessionRepository;

/**
 * Micrometer meters for the IPC client, fed by its events ({@link IpcEventListener}).
 *
 * <p>
 * Tags are bounded. Incoming topics are chosen by the remote side, so a received
 * message's topic is a tag only when something here subscribes to it (an annotated
 * subscriber or a programmatic subscription), else {@code other}; RPC response topics
 * ({@code RpcResponseMessage:<id>}) are tagged {@code RpcResponseMessage}. Outgoing
 * topics come from local payload types, capped at {@value #MAX_OUTGOING_TOPICS} distinct
 * values as a safety net. Request names are those of local request types or handlers
 * ({@code unknown} otherwise). Peers and ids are never tags.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr>
 * <th>Name</th>
 * <th>Type</th>
 * <th>Tags</th>
 * </tr>
 * <tr>
 * <td>{@code ipc.messages.sent}</td>
 * <td>counter</td>
 * <td>topic</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.messages.received}</td>
 * <td>counter</td>
 * <td>topic</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.messages.send.failures}</td>
 * <td>counter</td>
 * <td>topic, kind</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.messages.dropped}</td>
 * <td>counter</td>
 * <td>reason</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.subscriber.lost}</td>
 * <td>counter (subscriber lag)</td>
 * <td>topic</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.subscriber.failures}</td>
 * <td>counter</td>
 * <td>topic</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.rpc.client}</td>
 * <td>timer (made by the observation when RPCs are observed)</td>
 * <td>request, outcome (and error, when made by the observation)</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.rpc.server}</td>
 * <td>timer (ditto)</td>
 * <td>request, outcome (and error)</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.handshakes}</td>
 * <td>timer</td>
 * <td>suite, role</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.handshake.failures}</td>
 * <td>counter</td>
 * <td>reason</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.crypto.decrypt.failures}</td>
 * <td>counter</td>
 * <td></td>
 * </tr>
 * <tr>
 * <td>{@code ipc.sessions.invalidated}</td>
 * <td>counter</td>
 * <td>reason</td>
 * </tr>
 * <tr>
 * <td>{@code ipc.peers.connected}</td>
 * <td>gauge</td>
 * <td></td>
 * </tr>
 * <tr>
 * <td>{@code ipc.sessions.active}</td>
 * <td>gauge</td>
 * <td></td>
 * </tr>
 * <tr>
 * <td>{@code ipc.handlers.active}</td>
 * <td>gauge (annotated handler invocations in progress)</td>
 * <td></td>
 * </tr>
 * <tr>
 * <td>{@code ipc.client.running}</td>
 * <td>gauge (1 running, 0 not)</td>
 * <td></td>
 * </tr>
 * </table>
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcMetrics implements MeterBinder, IpcEventListener {

	/** Distinct outgoing topics tagged before the rest are tagged {@code other}. */
	static final int MAX_OUTGOING_TOPICS = 100;

	/**
	 * Distinct free-text reasons (handshake failures, invalidations) tagged before the
	 * rest are {@code other}.
	 */
	static final int MAX_REASONS = 20;

	static final String OTHER = "other";

	private final CommunicationBackend backend;

	private final SessionRepository<?> sessions;

	private final Endpoint localEndpoint;

	private final Supplier<Set<String>> subscribedTopics;

	private final Supplier<Integer> activeHandlers;

	private final Supplier<Boolean> running;

	private final BoundedValues outgoingTopics = new BoundedValues(MAX_OUTGOING_TOPICS);

	private final BoundedValues reasons = new BoundedValues(MAX_REASONS);

	private final List<Meters> bound = new CopyOnWriteArrayList<>();

	private volatile boolean rpcTimersFromObservations;

	/**
	 * Creates a new instance.
	 * @param backend the client's transport (connected peers)
	 * @param sessions the client's session repository (active sessions)
	 * @param localEndpoint this process's endpoint, not counted as a peer
	 * @param subscribedTopics the topics something here subscribes to (tagged as is when
	 * received)
	 * @param activeHandlers annotated handler invocations in progress
	 * @param running whether the client runs
	 */
	public IpcMetrics(CommunicationBackend backend, SessionRepository<?> sessions, Endpoint localEndpoint,
			Supplier<Set<String>> subscribedTopics, Supplier<Integer> activeHandlers, Supplier<Boolean> running) {
		this.backend = backend;
		this.sessions = sessions;
		this.localEndpoint = localEndpoint;
		this.subscribedTopics = subscribedTopics;
		this.activeHandlers = activeHandlers;
		this.running = running;
	}

	/**
	 * Leaves the {@code ipc.rpc.client} and {@code ipc.rpc.server} timers to the RPC
	 * observations (Micrometer's meter observation handler makes them, with the same
	 * names and tags plus {@code error}), so each RPC is timed once. Set by the
	 * auto-configuration when the client's RPCs are observed.
	 * @param fromObservations whether the observations make the RPC timers
	 */
	public void setRpcTimersFromObservations(boolean fromObservations) {
		this.rpcTimersFromObservations = fromObservations;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("ipc.peers.connected", this, IpcMetrics::connectedPeers)
			.description("Peers connected to the transport")
			.register(registry);
		Gauge.builder("ipc.sessions.active", this, IpcMetrics::activeSessions)
			.description("Cryptographic sessions held (NaN when the store cannot tell)")
			.register(registry);
		Gauge.builder("ipc.handlers.active", this, (metrics) -> metrics.activeHandlers.get())
			.description("Annotated handler invocations in progress")
			.register(registry);
		Gauge.builder("ipc.client.running", this, (metrics) -> metrics.running.get() ? 1 : 0)
			.description("Whether the IPC client runs (1) or not (0)")
			.register(registry);
		this.bound.add(new Meters(registry));
	}

	private double connectedPeers() {
		return this.backend.reachableEndpoints().stream().filter((e) -> !e.equals(this.localEndpoint)).count();
	}

	private double activeSessions() {
		int size = this.sessions.size();
		return (size < 0) ? Double.NaN : size;
	}

	// ------------------------------------------------------------------------------------------------
	// tag values

	String incomingTopicTag(@Nullable String topic) {
		if (topic == null) {
			return "none";
		}
		String reserved = reservedTopicTag(topic);
		if (reserved != null) {
			return reserved;
		}
		return this.subscribedTopics.get().contains(topic) ? topic : OTHER;
	}

	String outgoingTopicTag(@Nullable String topic) {
		if (topic == null) {
			return "none";
		}
		String reserved = reservedTopicTag(topic);
		if (reserved != null) {
			return reserved;
		}
		return this.outgoingTopics.tag(topic);
	}

	private static @Nullable String reservedTopicTag(String topic) {
		if (Topics.RPC_REQUEST.equals(topic)) {
			return Topics.RPC_REQUEST;
		}
		return Topics.isRpcResponseTopic(topic) ? Topics.RPC_RESPONSE : null;
	}

	private static String subscriptionTag(@Nullable String subscriptionTopic) {
		return (subscriptionTopic != null) ? subscriptionTopic : "all";
	}

	// ------------------------------------------------------------------------------------------------
	// events

	@Override
	public void messageSent(@Nullable String topic, Endpoint destination, int payloadBytes) {
		String tag = outgoingTopicTag(topic);
		this.bound.forEach(
				(m) -> m.counter("ipc.messages.sent", "Messages handed to the transport", "topic", tag).increment());
	}

	@Override
	public void sendFailed(@Nullable String topic, Endpoint destination, ErrorKind kind) {
		String tag = outgoingTopicTag(topic);
		this.bound.forEach((m) -> m
			.counter("ipc.messages.send.failures", "Messages that could not be sent", "topic", tag, "kind", kind.name())
			.increment());
	}

	@Override
	public void messageReceived(@Nullable String topic, Endpoint source, int payloadBytes) {
		String tag = incomingTopicTag(topic);
		this.bound.forEach(
				(m) -> m.counter("ipc.messages.received", "Messages received and decrypted", "topic", tag).increment());
	}

	@Override
	public void messageDropped(DropReason reason, @Nullable Endpoint peer) {
		this.bound.forEach((m) -> {
			m.counter("ipc.messages.dropped", "Incoming messages or frames dropped", "reason", reason.name())
				.increment();
			if (reason == DropReason.DECRYPTION_FAILED) {
				m.counter("ipc.crypto.decrypt.failures", "Frames that failed authenticated decryption").increment();
			}
		});
	}

	@Override
	public void subscriberOverflow(@Nullable String subscriptionTopic, long lost) {
		String tag = subscriptionTag(subscriptionTopic);
		this.bound.forEach((m) -> m
			.counter("ipc.subscriber.lost", "Messages a slow subscriber lost to queue overflow (lag)", "topic", tag)
			.increment(lost));
	}

	@Override
	public void subscriberFailed(@Nullable String subscriptionTopic, Throwable error) {
		String tag = subscriptionTag(subscriptionTopic);
		this.bound
			.forEach((m) -> m.counter("ipc.subscriber.failures", "Subscriber invocations that failed", "topic", tag)
				.increment());
	}

	@Override
	public void rpcClientCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
		if (this.rpcTimersFromObservations) {
			return;
		}
		this.bound.forEach(
				(m) -> m
					.timer("ipc.rpc.client", "RPCs sent, by request and outcome", "request", requestType, "outcome",
							outcome.name())
					.record(durationNanos, TimeUnit.NANOSECONDS));
	}

	@Override
	public void rpcServerCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
		if (this.rpcTimersFromObservations) {
			return;
		}
		this.bound.forEach(
				(m) -> m
					.timer("ipc.rpc.server", "RPCs answered, by request and outcome", "request", requestType, "outcome",
							outcome.name())
					.record(durationNanos, TimeUnit.NANOSECONDS));
	}

	@Override
	public void handshakeCompleted(Endpoint peer, String suite, boolean initiator, long durationNanos) {
		String role = initiator ? "initiator" : "responder";
		String suiteTag = this.reasons.tag(suite);
		this.bound.forEach((m) -> m.timer("ipc.handshakes", "Completed key exchanges", "suite", suiteTag, "role", role)
			.record(durationNanos, TimeUnit.NANOSECONDS));
	}

	@Override
	public void handshakeFailed(Endpoint peer, String reason) {
		String tag = this.reasons.tag(reason);
		this.bound
			.forEach((m) -> m.counter("ipc.handshake.failures", "Failed key exchanges", "reason", tag).increment());
	}

	@Override
	public void sessionInvalidated(Endpoint peer, String reason) {
		String tag = this.reasons.tag(reason);
		this.bound
			.forEach((m) -> m.counter("ipc.sessions.invalidated", "Sessions discarded", "reason", tag).increment());
	}

	@Override
	public void stateChanged(IpcClientState state, @Nullable Throwable cause) {
	}

	/**
	 * Tags the first {@code max} distinct values as themselves and the rest
	 * {@code other}.
	 */
	static final class BoundedValues {

		private final int max;

		private final Set<String> seen = ConcurrentHashMap.newKeySet();

		BoundedValues(int max) {
			this.max = max;
		}

		String tag(String value) {
			if (this.seen.contains(value)) {
				return value;
			}
			if (this.seen.size() < this.max && this.seen.add(value)) {
				return value;
			}
			return this.seen.contains(value) ? value : OTHER;
		}

	}

	/** The meters of one registry, cached by name and tags. */
	private static final class Meters {

		private final MeterRegistry registry;

		private final Map<String, Counter> counters = new ConcurrentHashMap<>();

		private final Map<String, Timer> timers = new ConcurrentHashMap<>();

		Meters(MeterRegistry registry) {
			this.registry = registry;
		}

		Counter counter(String name, String description, String... tags) {
			return this.counters.computeIfAbsent(key(name, tags), (
					key) -> Counter.builder(name).description(description).tags(Tags.of(tags)).register(this.registry));
		}

		Timer timer(String name, String description, String... tags) {
			return this.timers.computeIfAbsent(key(name, tags),
					(key) -> Timer.builder(name).description(description).tags(Tags.of(tags)).register(this.registry));
		}

		private static String key(String name, String... tags) {
			return (tags.length == 0) ? name : name + '|' + String.join("|", tags);
		}

	}

}
