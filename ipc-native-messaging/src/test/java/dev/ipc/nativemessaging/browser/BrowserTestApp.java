package dev.ipc.nativemessaging.browser;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;

import dev.ipc.client.IpcClient;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.nativemessaging.spring.BrowserExtensionPeers;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.rpc.discover.DiscoverRequest;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;

/**
 * The long-running application the test extension talks to (endpoint {@code DesktopMain},
 * a Unix socket host).
 */
@SpringBootApplication
class BrowserTestApp {

	@IpcPayload("test.hello")
	record Hello(String greeting) {
	}

	@IpcPayload("test.echo")
	record Echo(String reply, String origin) {
	}

	@IpcPayload("test.add")
	record Add(int a, int b) implements RpcRequest<Sum> {
	}

	record Sum(int sum, boolean allowedOrigin) {
	}

	@IpcPayload("test.report")
	record Report(boolean sdk, String discoveredVersion, Map<String, Object> echo, Map<String, Object> rpc,
			Map<String, Object> refused, List<String> errors) {
	}

	@IpcPayload("test.report-ack")
	record ReportAck(boolean ok) {
	}

	/** What the application saw, for the test to check. */
	@Component
	static class Observations {

		final List<String> hellos = new CopyOnWriteArrayList<>();

		final List<Source> helloSources = new CopyOnWriteArrayList<>();

		final List<String> extensionVersions = new CopyOnWriteArrayList<>();

		final List<Throwable> failures = new CopyOnWriteArrayList<>();

		final List<Add> rpcRequests = new CopyOnWriteArrayList<>();

		final List<Report> reports = new CopyOnWriteArrayList<>();

	}

	@Component
	static class Handlers {

		private final Observations seen;

		private final ObjectProvider<IpcClient> ipc;

		private final BrowserExtensionPeers peers;

		Handlers(Observations seen, ObjectProvider<IpcClient> ipc, BrowserExtensionPeers peers) {
			this.seen = seen;
			this.ipc = ipc;
			this.peers = peers;
		}

		@IpcSubscriber
		void onHello(Hello hello, Source source) {
			seen.hellos.add(hello.greeting());
			seen.helloSources.add(source);
			String origin = peers.requireAllowed(source).origin();
			IpcClient client = ipc.getObject();
			client.send(new Echo("hello from Java", origin), source.toEndpoint());
			// Discover the other way: Java asks the extension's SDK client
			client.request(new DiscoverRequest(), source.toEndpoint())
				.orTimeout(30, TimeUnit.SECONDS)
				.whenComplete((response, failure) -> {
					if (failure != null) {
						seen.failures.add(failure);
					}
					else {
						seen.extensionVersions.add(response.version());
					}
				});
		}

		@IpcRpcHandler(users = "${user.name}")
		Sum add(Add request, Source source) {
			seen.rpcRequests.add(request);
			return new Sum(request.a() + request.b(), peers.isAllowed(source));
		}

		@IpcSubscriber
		void onReport(Report report, Source source) {
			seen.reports.add(report);
			ipc.getObject().send(new ReportAck(true), source.toEndpoint());
		}

	}

}
