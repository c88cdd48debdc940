package dev.ipc.spring.annotation;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.validation.Validator;

import dev.ipc.client.IpcClient;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.event.IpcEventListener;
import dev.ipc.spring.observation.IpcReceiveObservationConvention;

/**
 * The topic registry: every {@link IpcSubscriber} method, as an
 * {@link IpcSubscriberEndpoint}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcSubscriberRegistry extends IpcHandlerRegistry<IpcSubscriberEndpoint> {

	private final int defaultConcurrency;

	private final boolean defaultAutoStartup;

	private final IpcErrorHandler defaultErrorHandler;

	private final Function<String, IpcErrorHandler> errorHandlers;

	private final SubscriberObservations observations = new SubscriberObservations();

	/**
	 * Creates a new instance.
	 * @param client the client to register subscriptions with (resolved when started)
	 * @param codec decodes payloads
	 * @param executor runs subscribers whose concurrency is above 1
	 * @param validator validates {@code @Valid} payloads, when there is one
	 * @param listeners told about rejected messages and subscriber failures
	 * @param defaultConcurrency concurrency of subscribers that do not set it
	 * @param defaultAutoStartup whether subscribers that do not say start with the client
	 * @param defaultErrorHandler error handler of subscribers that do not name one
	 * @param errorHandlers resolves error handler bean names
	 */
	public IpcSubscriberRegistry(ObjectProvider<IpcClient> client, PayloadCodec codec, Executor executor,
			Supplier<@Nullable Validator> validator, ObjectProvider<IpcEventListener> listeners, int defaultConcurrency,
			boolean defaultAutoStartup, IpcErrorHandler defaultErrorHandler,
			Function<String, IpcErrorHandler> errorHandlers) {
		super(client, codec, executor, validator, listeners);
		this.defaultConcurrency = defaultConcurrency;
		this.defaultAutoStartup = defaultAutoStartup;
		this.defaultErrorHandler = defaultErrorHandler;
		this.errorHandlers = errorHandlers;
	}

	/**
	 * Observes each message a subscriber handles as an {@code ipc.receive} observation
	 * (default: not observed).
	 * @param registry where observations are made
	 * @param convention replaces the default convention, if not {@code null}
	 */
	public void setObservationRegistry(ObservationRegistry registry,
			@Nullable IpcReceiveObservationConvention convention) {
		this.observations.configure(registry, convention);
	}

	/** The topics of every registered subscriber (started or not). */
	public Set<String> getTopics() {
		Set<String> topics = new LinkedHashSet<>();
		for (IpcSubscriberEndpoint endpoint : getEndpoints()) {
			topics.add(endpoint.getTopic());
		}
		return topics;
	}

	@Override
	String kind() {
		return "@IpcSubscriber";
	}

	@Override
	IpcSubscriberEndpoint createEndpoint(HandlerDefinition definition) {
		if (definition.payloadType() != null && !definition.rawPayload()) {
			var mapper = this.runtime.codec().mapper();
			String problem = PayloadTypes.deserializationProblem(mapper, definition.payloadType());
			if (problem != null) {
				throw new IpcHandlerDefinitionException("@IpcSubscriber method " + definition.describe()
						+ " has a payload type that cannot be deserialized: " + problem);
			}
			problem = PayloadTypes.serializationProblem(mapper, definition.payloadType());
			if (problem != null) {
				throw new IpcHandlerDefinitionException("@IpcSubscriber method " + definition.describe()
						+ " has a payload type its senders cannot serialize: " + problem);
			}
		}
		IpcErrorHandler errorHandler = this.defaultErrorHandler;
		if (definition.errorHandlerBean() != null) {
			try {
				errorHandler = this.errorHandlers.apply(definition.errorHandlerBean());
			}
			catch (RuntimeException ex) {
				throw new IpcHandlerDefinitionException("@IpcSubscriber method " + definition.describe()
						+ " names the error handler bean '" + definition.errorHandlerBean()
						+ "', which is not an IpcErrorHandler bean: " + ex.getMessage(), ex);
			}
		}
		int concurrency = (definition.concurrency() != null) ? definition.concurrency() : this.defaultConcurrency;
		boolean autoStartup = (definition.autoStartup() != null) ? definition.autoStartup() : this.defaultAutoStartup;
		return new IpcSubscriberEndpoint(definition.id(), definition.beanName(), definition.method(), autoStartup,
				concurrency, definition.sourceFilter(), definition.topic(), definition.payloadType(),
				definition.rawPayload(), newInvoker(definition), errorHandler, this.runtime, this.observations);
	}

}
