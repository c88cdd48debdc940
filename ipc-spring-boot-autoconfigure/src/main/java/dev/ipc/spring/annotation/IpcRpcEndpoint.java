package dev.ipc.spring.annotation;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Registration;
import dev.ipc.event.DropReason;
import dev.ipc.rpc.AsyncRpcHandler;
import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcHandlerException;

/**
 * An {@link IpcRpcHandler} method in the {@link IpcRpcHandlerRegistry}. Requests from
 * rejected sources, and requests arriving while the registry is stopping, are answered
 * with an error (never silence). A failure of the method (or of its stage) passes through
 * the {@link IpcExceptionHandler} methods that apply, which decide what the caller
 * learns.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcRpcEndpoint extends IpcHandlerEndpoint {

	private static final Log logger = LogFactory.getLog(IpcRpcEndpoint.class);

	private final String requestName;

	private final Class<?> requestType;

	private final Type responseType;

	private final HandlerMethodInvoker invoker;

	private final HandlerRuntime runtime;

	private final @Nullable ConcurrencyLimiter limiter;

	private final Runnable requestReceived;

	private final RpcExceptionHandlers exceptionHandlers;

	private final CurrentObservation observation;

	IpcRpcEndpoint(String id, String beanName, Method method, boolean autoStartup, int concurrency,
			SourceFilter sourceFilter, String requestName, Class<?> requestType, Type responseType,
			HandlerMethodInvoker invoker, HandlerRuntime runtime, Runnable requestReceived,
			RpcExceptionHandlers exceptionHandlers, CurrentObservation observation) {
		super(id, beanName, method, autoStartup, concurrency, sourceFilter);
		this.requestName = requestName;
		this.requestType = requestType;
		this.responseType = responseType;
		this.invoker = invoker;
		this.runtime = runtime;
		this.limiter = (concurrency > 0) ? new ConcurrencyLimiter(concurrency, runtime.executor()) : null;
		this.requestReceived = requestReceived;
		this.exceptionHandlers = exceptionHandlers;
		this.observation = observation;
	}

	/** The request type name (on the wire). */
	public String getRequestName() {
		return this.requestName;
	}

	/** The request class. */
	public Class<?> getRequestType() {
		return this.requestType;
	}

	/** The response type. */
	public Type getResponseType() {
		return this.responseType;
	}

	@Override
	@SuppressWarnings({ "unchecked", "rawtypes" })
	Registration open(IpcClient client) {
		AsyncRpcHandler handler = (request, context) -> handle(request, context);
		try {
			return client.registerAsyncRpcHandler((Class) this.requestType, handler);
		}
		catch (IllegalStateException ex) {
			throw new IpcHandlerDefinitionException("Cannot register @IpcRpcHandler method " + describe()
					+ " for request type '" + this.requestName + "': " + ex.getMessage()
					+ (("DiscoverRequest".equals(this.requestName))
							? ". Set ipc.discover.enabled=false to answer " + "discover requests yourself" : ""),
					ex);
		}
	}

	private CompletionStage<Object> handle(Object request, RpcContext context) throws Exception {
		this.requestReceived.run();
		if (!getSourceFilter().accepts(context.source())) {
			this.runtime.events().get().messageDropped(DropReason.SOURCE_REJECTED, context.source().toEndpoint());
			if (logger.isDebugEnabled()) {
				logger.debug("IPC RPC handler '" + getId() + "' refused " + this.requestName + " from "
						+ context.source() + " (accepts " + getSourceFilter() + ")");
			}
			throw new RpcHandlerException("Request refused: its source is not accepted by this handler");
		}
		InFlightTracker tracker = this.runtime.tracker();
		if (!tracker.tryEnter()) {
			throw new RpcHandlerException("Request refused: the endpoint is shutting down");
		}
		CompletionStage<Object> stage;
		try {
			stage = (this.limiter != null)
					? this.limiter.submit(this.observation.propagate(() -> invoke(request, context)))
					: invoke(request, context);
		}
		catch (Exception | Error ex) {
			tracker.exit();
			throw ex;
		}
		return stage.whenComplete((value, failure) -> tracker.exit());
	}

	private CompletionStage<Object> invoke(Object request, RpcContext context) throws Exception {
		Message<Object> message = IpcMessages.forRequest(context, request);
		Object value;
		try {
			value = this.invoker.invoke(message, context.source(), context);
		}
		catch (Exception ex) {
			throw asException(this.exceptionHandlers.map(ex, message, context.source(), context));
		}
		if (value instanceof CompletionStage<?> stage) {
			CompletableFuture<Object> mapped = new CompletableFuture<>();
			stage.whenComplete((result, failure) -> {
				if (failure == null) {
					mapped.complete(result);
				}
				else {
					mapped.completeExceptionally(
							this.exceptionHandlers.map(unwrap(failure), message, context.source(), context));
				}
			});
			return mapped;
		}
		return CompletableFuture.completedFuture(value);
	}

	private static Exception asException(Throwable failure) {
		if (failure instanceof Exception exception) {
			return exception;
		}
		if (failure instanceof Error error) {
			throw error;
		}
		return new IllegalStateException(failure);
	}

}
