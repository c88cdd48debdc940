package dev.ipc.spring.annotation;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.validation.Validator;

import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientState;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.event.IpcEventListener;
import dev.ipc.event.RpcOutcome;

/**
 * The RPC registry: every {@link IpcRpcHandler} method, as an {@link IpcRpcEndpoint}, at
 * most one per request type.
 *
 * <p>
 * It is also an {@link IpcEventListener} of the client: a request has been answered only
 * once the client reports the reply sent ({@link #rpcServerCompleted}), which happens
 * after the handler's result completes. Draining waits for that, so that stopping never
 * closes the transport under a reply being sent. With a client built elsewhere that does
 * not report to this registry, draining waits for the handlers only.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcRpcHandlerRegistry extends IpcHandlerRegistry<IpcRpcEndpoint> implements IpcEventListener {

	private final @Nullable Integer defaultConcurrency;

	private final boolean defaultAutoStartup;

	private final InFlightTracker awaitingReply = new InFlightTracker();

	private final Set<String> requestNames = ConcurrentHashMap.newKeySet();

	private final CurrentObservation observation = new CurrentObservation();

	private volatile boolean observingClient;

	/**
	 * Creates a new instance.
	 * @param client the client to register handlers with (resolved when started)
	 * @param codec checks that request and response types can be serialized
	 * @param executor runs requests that waited for a concurrency permit
	 * @param validator validates {@code @Valid} requests, when there is one
	 * @param listeners told about rejected requests
	 * @param defaultConcurrency concurrency of handlers that do not set it ({@code null}:
	 * unbounded)
	 * @param defaultAutoStartup whether handlers that do not say start with the client
	 */
	public IpcRpcHandlerRegistry(ObjectProvider<IpcClient> client, PayloadCodec codec, Executor executor,
			Supplier<@Nullable Validator> validator, ObjectProvider<IpcEventListener> listeners,
			@Nullable Integer defaultConcurrency, boolean defaultAutoStartup) {
		super(client, codec, executor, validator, listeners);
		this.defaultConcurrency = defaultConcurrency;
		this.defaultAutoStartup = defaultAutoStartup;
		this.awaitingReply.resume();
	}

	@Override
	public boolean awaitIdle(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		boolean handlersDone = super.awaitIdle(timeout);
		if (!this.observingClient) {
			return handlersDone;
		}
		return this.awaitingReply.awaitIdle(deadline) && handlersDone;
	}

	/**
	 * Counts a request handed to one of this registry's handlers, answered once the
	 * client reports the reply.
	 */
	void requestReceived() {
		this.awaitingReply.tryEnter();
	}

	@Override
	public void stateChanged(IpcClientState state, @Nullable Throwable cause) {
		this.observingClient = true;
	}

	@Override
	public void rpcServerCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
		// SUCCESS and HANDLER_ERROR are reported once per handler invocation, after the
		// reply was sent
		if ((outcome == RpcOutcome.SUCCESS || outcome == RpcOutcome.HANDLER_ERROR)
				&& this.requestNames.contains(requestType)) {
			this.awaitingReply.exit();
		}
	}

	/** The request type names of every registered handler (started or not). */
	public Set<String> getRequestNames() {
		Set<String> names = new LinkedHashSet<>();
		for (IpcRpcEndpoint endpoint : getEndpoints()) {
			names.add(endpoint.getRequestName());
		}
		return names;
	}

	/**
	 * Keeps the RPC's observation (the client's {@code ipc.rpc.server}) current for a
	 * handler that a concurrency limit queued onto another thread (default: nothing to
	 * keep).
	 * @param registry the registry the client's observations are made in
	 */
	public void setObservationRegistry(ObservationRegistry registry) {
		this.observation.configure(registry);
	}

	@Override
	String kind() {
		return "@IpcRpcHandler";
	}

	@Override
	void checkRegistration(IpcRpcEndpoint endpoint) {
		for (IpcRpcEndpoint existing : getEndpoints()) {
			if (existing.getRequestName().equals(endpoint.getRequestName())) {
				throw IpcHandlerAnnotationBeanPostProcessor.duplicateRequest(endpoint.getRequestName(),
						existing.getMethod(), endpoint.getMethod());
			}
		}
		this.requestNames.add(endpoint.getRequestName());
	}

	@Override
	IpcRpcEndpoint createEndpoint(HandlerDefinition definition) {
		Class<?> requestType = (Class<?>) Objects.requireNonNull(definition.payloadType());
		var mapper = this.runtime.codec().mapper();
		String problem = PayloadTypes.deserializationProblem(mapper, requestType);
		if (problem == null) {
			problem = PayloadTypes.serializationProblem(mapper, requestType);
		}
		if (problem != null) {
			throw new IpcHandlerDefinitionException("@IpcRpcHandler method " + definition.describe()
					+ " has a request type that cannot be serialized: " + problem);
		}
		var responseType = Objects.requireNonNull(definition.responseType());
		problem = PayloadTypes.serializationProblem(mapper, responseType);
		if (problem == null) {
			problem = PayloadTypes.deserializationProblem(mapper, responseType);
		}
		if (problem != null) {
			throw new IpcHandlerDefinitionException("@IpcRpcHandler method " + definition.describe()
					+ " has a response type that cannot be serialized: " + problem);
		}
		Integer configured = (definition.concurrency() != null) ? definition.concurrency() : this.defaultConcurrency;
		int concurrency = (configured != null) ? configured : 0;
		boolean autoStartup = (definition.autoStartup() != null) ? definition.autoStartup() : this.defaultAutoStartup;
		return new IpcRpcEndpoint(definition.id(), definition.beanName(), definition.method(), autoStartup, concurrency,
				definition.sourceFilter(), definition.topic(), requestType, responseType, newInvoker(definition),
				this.runtime, this::requestReceived, Objects.requireNonNull(definition.exceptionHandlers()),
				this.observation);
	}

}
