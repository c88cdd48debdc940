package dev.ipc.test;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;

/**
 * A small application under test: an RPC handler, a subscriber, and a service that calls
 * another endpoint.
 */
@SpringBootApplication
class TestApplication {

	@IpcPayload("test.greet")
	record Greet(String name) implements RpcRequest<Greeting> {
	}

	record Greeting(String text) {
	}

	@IpcPayload("test.job-done")
	record JobDone(String jobId) {
	}

	@IpcPayload("test.price")
	record PriceQuery(String item) implements RpcRequest<Price> {
	}

	record Price(String item, int cents) {
	}

	@Component
	static class Handlers {

		final BlockingQueue<String> jobsSeen = new LinkedBlockingQueue<>();

		@IpcRpcHandler
		Greeting greet(Greet request, Source caller) {
			return new Greeting("hello " + request.name() + " from " + caller);
		}

		@IpcSubscriber
		void onJob(JobDone event, Source source) {
			this.jobsSeen.add(event.jobId() + " by " + source);
		}

	}

	/** Calls a pricing service and announces jobs: what the test client stands in for. */
	@Component
	static class Outbound {

		private final IpcClient ipc;

		Outbound(IpcClient ipc) {
			this.ipc = ipc;
		}

		int priceOf(String item, String service) throws Exception {
			return this.ipc.request(new PriceQuery(item), Endpoint.named(service)).get().cents();
		}

		void announce(String jobId, String to) {
			this.ipc.send(new JobDone(jobId), Endpoint.named(to));
		}

	}

}
