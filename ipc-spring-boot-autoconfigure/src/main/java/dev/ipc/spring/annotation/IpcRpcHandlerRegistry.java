package dev.ipc.spring.annotation;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.validation.Validator;

import dev.ipc.client.IpcClient;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.event.IpcEventListener;

/**
 * The RPC registry: every {@link IpcRpcHandler} method, as an {@link IpcRpcEndpoint}, at most one per request type.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcRpcHandlerRegistry extends IpcHandlerRegistry<IpcRpcEndpoint> {

	private final @Nullable Integer defaultConcurrency;

	private final boolean defaultAutoStartup;

	/**
	 * Creates a new instance.
	 * @param client the client to register handlers with (resolved when started)
	 * @param codec checks that request and response types can be serialized
	 * @param executor runs requests that waited for a concurrency permit
	 * @param validator validates {@code @Valid} requests, when there is one
	 * @param listeners told about rejected requests
	 * @param defaultConcurrency concurrency of handlers that do not set it ({@code null}: unbounded)
	 * @param defaultAutoStartup whether handlers that do not say start with the client
	 */
	public IpcRpcHandlerRegistry(ObjectProvider<IpcClient> client, PayloadCodec codec, Executor executor,
			Supplier<@Nullable Validator> validator, ObjectProvider<IpcEventListener> listeners,
			@Nullable Integer defaultConcurrency, boolean defaultAutoStartup) {
		super(client, codec, executor, validator, listeners);
		this.defaultConcurrency = defaultConcurrency;
		this.defaultAutoStartup = defaultAutoStartup;
	}

	/** The request type names of every registered handler (started or not). */
	public Set<String> getRequestNames() {
		Set<String> names = new LinkedHashSet<>();
		for (IpcRpcEndpoint endpoint : getEndpoints()) {
			names.add(endpoint.getRequestName());
		}
		return names;
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
		return new IpcRpcEndpoint(definition.id(), definition.beanName(), definition.method(), autoStartup,
				concurrency, definition.sourceFilter(), definition.topic(), requestType, responseType,
				newInvoker(definition), this.runtime);
	}

}
