package dev.ipc.observation;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * Keeps an observer's exceptions away from the client (see {@link IpcObserver#guarded}).
 */
final class GuardedObserver implements IpcObserver {

	private static final Logger log = LoggerFactory.getLogger(GuardedObserver.class);

	private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

	private final IpcObserver delegate;

	private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

	GuardedObserver(IpcObserver delegate) {
		this.delegate = delegate;
	}

	@Override
	public Exchange rpcClient(String requestType, Endpoint destination, String requestId) {
		try {
			return guard(delegate.rpcClient(requestType, destination, requestId));
		}
		catch (RuntimeException ex) {
			failed("start", ex);
			return Exchange.NOOP;
		}
	}

	@Override
	public Exchange rpcServer(String requestType, Source source, String requestId, Map<String, String> context) {
		try {
			return guard(delegate.rpcServer(requestType, source, requestId, context));
		}
		catch (RuntimeException ex) {
			failed("start", ex);
			return Exchange.NOOP;
		}
	}

	@Override
	public Exchange send(@Nullable String topic, Endpoint destination) {
		try {
			return guard(delegate.send(topic, destination));
		}
		catch (RuntimeException ex) {
			failed("start", ex);
			return Exchange.NOOP;
		}
	}

	/**
	 * Nothing to guard when the observer does not observe this one (no allocation on the
	 * hot path).
	 */
	private Exchange guard(Exchange exchange) {
		return (exchange == Exchange.NOOP) ? Exchange.NOOP : new GuardedExchange(exchange);
	}

	private void failed(String step, RuntimeException ex) {
		long now = System.nanoTime();
		long last = lastWarning.get();
		if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
			log.warn("IPC observer {} failed at {} (going on unobserved; logged at warn at most every 10 s)",
					delegate.getClass().getName(), step, ex);
		}
		else {
			log.debug("IPC observer {} failed at {}", delegate.getClass().getName(), step, ex);
		}
	}

	private final class GuardedExchange implements Exchange {

		private final Exchange exchange;

		GuardedExchange(Exchange exchange) {
			this.exchange = exchange;
		}

		@Override
		public Map<String, String> outgoingContext() {
			try {
				return RpcContextCarrier.bounded(exchange.outgoingContext());
			}
			catch (RuntimeException ex) {
				failed("outgoingContext", ex);
				return Map.of();
			}
		}

		@Override
		public Scope openScope() {
			Scope scope;
			try {
				scope = exchange.openScope();
			}
			catch (RuntimeException ex) {
				failed("openScope", ex);
				return Scope.NOOP;
			}
			return () -> {
				try {
					scope.close();
				}
				catch (RuntimeException ex) {
					failed("closeScope", ex);
				}
			};
		}

		@Override
		public void stop(@Nullable RpcOutcome outcome, @Nullable Throwable failure) {
			try {
				exchange.stop(outcome, failure);
			}
			catch (RuntimeException ex) {
				failed("stop", ex);
			}
		}

	}

}
