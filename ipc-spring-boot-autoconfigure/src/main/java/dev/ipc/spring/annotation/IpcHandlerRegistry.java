package dev.ipc.spring.annotation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.validation.Validator;

import dev.ipc.client.IpcClient;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.event.IpcEventListener;

/**
 * The endpoints of one kind of annotated handler, started and stopped together with the
 * client by {@code IpcClientLifecycle}; single endpoints can be started and stopped by id
 * (for example those with {@code autoStartup = "false"}).
 *
 * <p>
 * Stopping is graceful in two steps: {@link #pause()} refuses new work,
 * {@link #awaitIdle(Duration)} waits for the invocations in progress, then
 * {@link #stop()} unregisters every endpoint.
 *
 * @param <E> the endpoint type
 * @author IPC contributors
 * @since 0.1.0
 */
public abstract sealed class IpcHandlerRegistry<E extends IpcHandlerEndpoint>
		permits IpcSubscriberRegistry, IpcRpcHandlerRegistry {

	private static final Log logger = LogFactory.getLog(IpcHandlerRegistry.class);

	private final ObjectProvider<IpcClient> client;

	private final Supplier<@Nullable Validator> validator;

	final HandlerRuntime runtime;

	private final ReentrantLock lock = new ReentrantLock();

	private final Map<String, E> endpoints = new LinkedHashMap<>();

	private volatile boolean running;

	IpcHandlerRegistry(ObjectProvider<IpcClient> client, PayloadCodec codec, Executor executor,
			Supplier<@Nullable Validator> validator, ObjectProvider<IpcEventListener> listeners) {
		this.client = client;
		this.validator = SingletonSupplier.of(validator);
		this.runtime = new HandlerRuntime(executor, codec, new InFlightTracker(),
				SingletonSupplier.of(() -> IpcEventListener.composite(listeners.orderedStream().toList())));
	}

	/**
	 * Builds the endpoint of a checked definition; fails naming the method when it cannot
	 * work.
	 */
	abstract E createEndpoint(HandlerDefinition definition);

	/** Describes the kind of handler for messages, for example {@code @IpcSubscriber}. */
	abstract String kind();

	void register(HandlerDefinition definition) {
		E endpoint = createEndpoint(definition);
		this.lock.lock();
		try {
			E existing = this.endpoints.get(endpoint.getId());
			if (existing != null) {
				throw new IpcHandlerDefinitionException("Duplicate " + kind() + " id '" + endpoint.getId() + "' on "
						+ existing.describe() + " and " + endpoint.describe() + ": give one of them another id");
			}
			checkRegistration(endpoint);
			if (this.running && endpoint.isAutoStartup()) {
				endpoint.start(this.client.getObject());
			}
			this.endpoints.put(endpoint.getId(), endpoint);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Further checks against the endpoints already registered, under the registry's lock.
	 */
	void checkRegistration(E endpoint) {
	}

	HandlerMethodInvoker newInvoker(HandlerDefinition definition) {
		if (definition.validate() && !definition.provideIpcArguments() && this.validator.get() == null) {
			logger.warn(kind() + " method " + definition.describe()
					+ " asks for payload validation but there is no Validator bean: add "
					+ "spring-boot-starter-validation, or remove @Valid");
		}
		return definition.newInvoker();
	}

	/**
	 * Starts every auto-startup endpoint and accepts work. Called by the client's
	 * lifecycle before the client starts.
	 */
	public void start() {
		this.lock.lock();
		try {
			IpcClient ipcClient = this.client.getObject();
			this.runtime.tracker().resume();
			for (E endpoint : this.endpoints.values()) {
				if (endpoint.isAutoStartup()) {
					endpoint.start(ipcClient);
				}
			}
			this.running = true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Refuses new work; invocations in progress go on. */
	public void pause() {
		this.runtime.tracker().pause();
	}

	/**
	 * Waits until no invocation is in progress.
	 * @param timeout the longest time to wait
	 * @return whether every invocation finished in time
	 */
	public boolean awaitIdle(Duration timeout) throws InterruptedException {
		return this.runtime.tracker().awaitIdle(System.nanoTime() + timeout.toNanos());
	}

	/** The number of invocations in progress. */
	public int getInFlightCount() {
		return this.runtime.tracker().inFlight();
	}

	/** Refuses new work and unregisters every endpoint from the client. */
	public void stop() {
		this.lock.lock();
		try {
			this.running = false;
			this.runtime.tracker().pause();
			for (E endpoint : this.endpoints.values()) {
				endpoint.stop();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Whether the registry was started and not stopped. */
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Starts one endpoint.
	 * @param id the endpoint id
	 * @throws IllegalArgumentException if there is no such endpoint
	 * @throws IllegalStateException if the registry is not running
	 */
	public void start(String id) {
		this.lock.lock();
		try {
			E endpoint = requireEndpoint(id);
			if (!this.running) {
				throw new IllegalStateException(
						"Cannot start " + kind() + " '" + id + "': the IPC client is not running");
			}
			endpoint.start(this.client.getObject());
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Stops one endpoint (unregisters it from the client).
	 * @param id the endpoint id
	 * @throws IllegalArgumentException if there is no such endpoint
	 */
	public void stop(String id) {
		this.lock.lock();
		try {
			requireEndpoint(id).stop();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Every registered endpoint, in registration order. */
	public List<E> getEndpoints() {
		this.lock.lock();
		try {
			return List.copyOf(new ArrayList<>(this.endpoints.values()));
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The endpoint with the given id.
	 * @param id the id
	 * @return the endpoint, or {@code null}
	 */
	public @Nullable E getEndpoint(String id) {
		this.lock.lock();
		try {
			return this.endpoints.get(id);
		}
		finally {
			this.lock.unlock();
		}
	}

	private E requireEndpoint(String id) {
		E endpoint = this.endpoints.get(id);
		if (endpoint == null) {
			throw new IllegalArgumentException(
					"No " + kind() + " with id '" + id + "'; known: " + this.endpoints.keySet());
		}
		return endpoint;
	}

}
