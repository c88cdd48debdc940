package dev.ipc.spring.leakprobe;

import java.util.concurrent.atomic.AtomicInteger;

import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An application loaded by a throw-away class loader in {@code RestartClassLoaderTest}
 * (like devtools' restart loader): its payload types and handlers go through every cache
 * of the IPC stack.
 */
@Configuration(proxyBeanMethods = false)
public class ProbeConfiguration {

	@Bean
	public ProbeHandlers probeHandlers() {
		return new ProbeHandlers();
	}

	/** A request type of the probe application. */
	@IpcPayload("leakprobe.ask")
	public record Ask(String question) implements RpcRequest<Answer> {
	}

	/** Its response type. */
	public record Answer(String text) {
	}

	/** An event type of the probe application. */
	@IpcPayload("leakprobe.event")
	public record Event(int n) {
	}

	/** Handlers of the probe application. */
	public static class ProbeHandlers {

		public final AtomicInteger events = new AtomicInteger();

		@IpcRpcHandler
		public Answer ask(Ask ask, Source source) {
			return new Answer("answer to " + ask.question());
		}

		@IpcSubscriber
		public void onEvent(Event event) {
			this.events.addAndGet(event.n());
		}

	}

}
