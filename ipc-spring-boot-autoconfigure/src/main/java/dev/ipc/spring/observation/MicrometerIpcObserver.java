package dev.ipc.spring.observation;

import java.util.Map;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.observation.IpcObserver;

/**
 * Turns the client's {@link IpcObserver} hook into Micrometer observations:
 * {@code ipc.rpc.client} for each RPC sent (started on the caller's thread, so the
 * caller's current observation is its parent, and its carrier sent to the responder),
 * {@code ipc.rpc.server} for each RPC answered (continuing what the requester carried, in
 * scope while the handler runs) and {@code ipc.send} for each application message sent.
 * The exception an RPC or a send fails with is recorded as its observation's error.
 *
 * <p>
 * An exception thrown by an observation handler (a tracer, a meter handler) goes to the
 * client, which logs it and goes on with that operation unobserved; the application and
 * the peer never see it.
 *
 * <p>
 * Use it with {@code IpcClientBuilder.observer(...)}; the auto-configuration does so when
 * there is an {@link ObservationRegistry}. Custom conventions, when given, replace the
 * defaults.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class MicrometerIpcObserver implements IpcObserver {

	private final ObservationRegistry registry;

	private final @Nullable IpcRpcClientObservationConvention clientConvention;

	private final @Nullable IpcRpcServerObservationConvention serverConvention;

	private final @Nullable IpcSendObservationConvention sendConvention;

	private final DefaultIpcSendObservationConvention defaultSendConvention = new DefaultIpcSendObservationConvention();

	/**
	 * Creates an observer with the default conventions.
	 * @param registry where observations are made
	 */
	public MicrometerIpcObserver(ObservationRegistry registry) {
		this(registry, null, null, null);
	}

	/**
	 * Creates a new instance.
	 * @param registry where observations are made
	 * @param clientConvention replaces the default RPC client convention, if not
	 * {@code null}
	 * @param serverConvention replaces the default RPC server convention, if not
	 * {@code null}
	 * @param sendConvention replaces the default send convention, if not {@code null}
	 */
	public MicrometerIpcObserver(ObservationRegistry registry,
			@Nullable IpcRpcClientObservationConvention clientConvention,
			@Nullable IpcRpcServerObservationConvention serverConvention,
			@Nullable IpcSendObservationConvention sendConvention) {
		this.registry = registry;
		this.clientConvention = clientConvention;
		this.serverConvention = serverConvention;
		this.sendConvention = sendConvention;
	}

	@Override
	public Exchange rpcClient(String requestType, Endpoint destination, String requestId) {
		IpcRpcClientContext context = new IpcRpcClientContext(requestType, destination, requestId);
		Observation observation = Observation
			.createNotStarted(this.clientConvention, DefaultIpcRpcClientObservationConvention.INSTANCE, () -> context,
					this.registry)
			.start();
		return new ObservedExchange(observation, context::setOutcome) {
			@Override
			public Map<String, String> outgoingContext() {
				Map<String, String> carrier = context.getCarrier();
				return (carrier != null) ? carrier : Map.of();
			}
		};
	}

	@Override
	public Exchange rpcServer(String requestType, Source source, String requestId, Map<String, String> carried) {
		IpcRpcServerContext context = new IpcRpcServerContext(requestType, source, requestId, carried);
		Observation observation = Observation
			.createNotStarted(this.serverConvention, DefaultIpcRpcServerObservationConvention.INSTANCE, () -> context,
					this.registry)
			.start();
		return new ObservedExchange(observation, context::setOutcome);
	}

	@Override
	public Exchange send(@Nullable String topic, Endpoint destination) {
		IpcSendContext context = new IpcSendContext(topic, destination);
		Observation observation = Observation
			.createNotStarted(this.sendConvention, this.defaultSendConvention, () -> context, this.registry)
			.start();
		return new ObservedExchange(observation, (outcome) -> {
		});
	}

	/** One observation, stopped once with its outcome. */
	private static class ObservedExchange implements Exchange {

		private final Observation observation;

		private final java.util.function.Consumer<@Nullable RpcOutcome> outcome;

		ObservedExchange(Observation observation, java.util.function.Consumer<@Nullable RpcOutcome> outcome) {
			this.observation = observation;
			this.outcome = outcome;
		}

		@Override
		public Scope openScope() {
			Observation.Scope scope = this.observation.openScope();
			return scope::close;
		}

		@Override
		public void stop(@Nullable RpcOutcome outcome, @Nullable Throwable failure) {
			this.outcome.accept(outcome);
			if (failure != null) {
				this.observation.error(failure);
			}
			this.observation.stop();
		}

	}

}
