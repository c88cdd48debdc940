package dev.ipc.spring.annotation;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

import io.micrometer.observation.Observation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.ipc.client.IpcClient;
import dev.ipc.client.MessageListener;
import dev.ipc.client.Registration;
import dev.ipc.event.DropReason;
import dev.ipc.model.IncomingMessage;

/**
 * An {@link IpcSubscriber} method in the {@link IpcSubscriberRegistry}.
 *
 * <p>
 * Messages from rejected sources are dropped and counted; while its registry is stopping,
 * new messages are dropped. With a concurrency of 1 messages are handled one by one on
 * the subscription's delivery thread, in arrival order; with more, they run on the IPC
 * executor, the subscription waiting when all permits are taken (its bounded queue then
 * drops the oldest messages and counts them as lag).
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class IpcSubscriberEndpoint extends IpcHandlerEndpoint {

	private static final Log logger = LogFactory.getLog(IpcSubscriberEndpoint.class);

	private final String topic;

	private final @Nullable Type payloadType;

	private final boolean rawPayload;

	private final HandlerMethodInvoker invoker;

	private final IpcErrorHandler errorHandler;

	private final HandlerRuntime runtime;

	private final Semaphore permits;

	private final SubscriberObservations observations;

	IpcSubscriberEndpoint(String id, String beanName, Method method, boolean autoStartup, int concurrency,
			SourceFilter sourceFilter, String topic, @Nullable Type payloadType, boolean rawPayload,
			HandlerMethodInvoker invoker, IpcErrorHandler errorHandler, HandlerRuntime runtime,
			SubscriberObservations observations) {
		super(id, beanName, method, autoStartup, concurrency, sourceFilter);
		this.topic = topic;
		this.payloadType = payloadType;
		this.rawPayload = rawPayload;
		this.invoker = invoker;
		this.errorHandler = errorHandler;
		this.runtime = runtime;
		this.permits = new Semaphore(concurrency);
		this.observations = observations;
	}

	/** The topic subscribed to. */
	public String getTopic() {
		return this.topic;
	}

	/**
	 * The payload type decoded from JSON; {@code null} when the method takes raw bytes or
	 * only the message.
	 */
	public @Nullable Type getPayloadType() {
		return this.rawPayload ? null : this.payloadType;
	}

	@Override
	Registration open(IpcClient client) {
		return client.subscribe(this.topic, new Listener());
	}

	private final class Listener implements MessageListener {

		@Override
		public void onMessage(IncomingMessage message) {
			deliver(message);
		}

		@Override
		public void onMessagesLost(long count) {
			if (logger.isDebugEnabled()) {
				logger.debug("IPC subscriber '" + getId() + "' lost " + count + " message(s) on topic " + topic
						+ " to queue overflow");
			}
		}

	}

	private void deliver(IncomingMessage message) {
		if (!getSourceFilter().accepts(message.source())) {
			this.runtime.events().get().messageDropped(DropReason.SOURCE_REJECTED, message.source().toEndpoint());
			if (logger.isDebugEnabled()) {
				logger.debug("IPC subscriber '" + getId() + "' rejected a message on topic " + this.topic + " from "
						+ message.source() + " (accepts " + getSourceFilter() + ")");
			}
			return;
		}
		InFlightTracker tracker = this.runtime.tracker();
		if (!tracker.tryEnter()) {
			logger.debug("IPC subscriber '" + getId() + "' is stopping; dropping a message on topic " + this.topic);
			return;
		}
		boolean handedOver = false;
		try {
			this.permits.acquire();
			if (tracker.isPaused()) {
				this.permits.release();
				return;
			}
			handedOver = true;
			if (getConcurrency() == 1) {
				handle(message);
			}
			else {
				try {
					this.runtime.executor().execute(() -> handle(message));
				}
				catch (RejectedExecutionException ex) {
					handle(message);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			if (!handedOver) {
				tracker.exit();
			}
		}
	}

	private void handle(IncomingMessage message) {
		Observation observation = this.observations.start(message, getId(), this.topic);
		Object result;
		try (Observation.Scope scope = observation.openScope()) {
			Object payload = decode(message);
			result = this.invoker.invoke(IpcMessages.forSubscriber(message, payload), message.source(), message,
					message.kind());
		}
		catch (Throwable ex) {
			observation.error(ex);
			observation.stop();
			try {
				fail(message, ex);
			}
			finally {
				done();
			}
			return;
		}
		if (result instanceof CompletionStage<?> stage) {
			stage.whenComplete((value, failure) -> {
				if (failure != null) {
					observation.error(unwrap(failure));
				}
				observation.stop();
				try {
					if (failure != null) {
						fail(message, unwrap(failure));
					}
				}
				finally {
					done();
				}
			});
		}
		else {
			observation.stop();
			done();
		}
	}

	private @Nullable Object decode(IncomingMessage message) {
		if (this.rawPayload) {
			return message.payload();
		}
		if (this.payloadType == null) {
			return message.payload(); // the method takes only the message
		}
		return this.runtime.codec().decode(message.payload(), this.payloadType);
	}

	private void done() {
		this.permits.release();
		this.runtime.tracker().exit();
	}

	private void fail(IncomingMessage message, Throwable failure) {
		this.runtime.events().get().subscriberFailed(this.topic, failure);
		IpcHandlerExecutionException exception = new IpcHandlerExecutionException(getId(), getMethod(), message.topic(),
				failure);
		try {
			this.errorHandler.handleError(message, exception);
		}
		catch (Throwable ex) {
			logger.error("IPC error handler of subscriber '" + getId() + "' failed on topic " + this.topic, ex);
		}
	}

}
