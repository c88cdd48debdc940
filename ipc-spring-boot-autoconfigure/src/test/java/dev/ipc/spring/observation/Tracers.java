package dev.ipc.spring.observation;

import java.util.List;
import java.util.function.Consumer;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import brave.sampler.Sampler;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.brave.bridge.W3CPropagation;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;

/**
 * A real tracer (Brave through Micrometer Tracing's bridge, W3C propagation, always
 * sampled) whose finished spans go to a callback instead of an exporter, wired to an
 * observation registry as Spring Boot wires it.
 */
final class Tracers {

	/** A finished span, as the tests compare them. */
	record FinishedSpan(String name, String kind, String traceId, String spanId, String parentId) {

		/** The span as one line of text (for a child process's stdout). */
		String toLine() {
			return String.join(" ", "SPAN", this.name.replace(' ', '_'), this.kind, this.traceId, this.spanId,
					this.parentId);
		}

		static FinishedSpan fromLine(String line) {
			String[] words = line.split(" ");
			return new FinishedSpan(words[1].replace('_', ' '), words[2], words[3], words[4], words[5]);
		}

	}

	private Tracers() {
	}

	/**
	 * An observation registry whose observations are traced; each finished span is given
	 * to {@code finished}.
	 */
	static ObservationRegistry tracedRegistry(String serviceName, Consumer<FinishedSpan> finished) {
		Tracing tracing = Tracing.newBuilder()
			.localServiceName(serviceName)
			.sampler(Sampler.ALWAYS_SAMPLE)
			.currentTraceContext(ThreadLocalCurrentTraceContext.newBuilder().build())
			.propagationFactory(new W3CPropagation(new BraveBaggageManager(), List.of()))
			.addSpanHandler(new SpanHandler() {
				@Override
				public boolean end(TraceContext context, MutableSpan span, Cause cause) {
					String parent = (context.parentIdString() != null) ? context.parentIdString() : "-";
					finished.accept(new FinishedSpan(String.valueOf(span.name()), String.valueOf(span.kind()),
							context.traceIdString(), context.spanIdString(), parent));
					return true;
				}
			})
			.build();
		BraveTracer tracer = new BraveTracer(tracing.tracer(),
				new BraveCurrentTraceContext(tracing.currentTraceContext()), new BraveBaggageManager());
		BravePropagator propagator = new BravePropagator(tracing);
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig()
			.observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
					new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
					new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
					new DefaultTracingObservationHandler(tracer)));
		return registry;
	}

}
