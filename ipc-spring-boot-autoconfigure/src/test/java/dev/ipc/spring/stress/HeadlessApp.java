package dev.ipc.spring.stress;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.socket.SocketTransport;

/**
 * A headless Spring Boot application using the starter's auto-configuration on the Unix
 * socket
 * ({@code --ipc.endpoint=<name> --ipc.transport.role=<role> --ipc.transport.path=<socket>}),
 * for the real-JVM tests. It answers {@link Echo} with {@code "<text> <its endpoint>"}
 * and records the {@link TestEvent}s it gets ({@link Received}). Run as a process
 * ({@link #main}), it returns from {@code main} once started — only the running IPC
 * client keeps the JVM alive — and takes commands on stdin as ipc-core's
 * {@code StressNode} does: <pre>
 * &lt;id&gt; rpc &lt;dest&gt; &lt;text&gt;  → @@ &lt;id&gt; RPC-OK &lt;reply&gt; | @@ &lt;id&gt; RPC-ERR &lt;exception&gt; &lt;message&gt;
 * &lt;id&gt; pub &lt;dest&gt; &lt;text&gt;  → @@ &lt;id&gt; PUB-OK | @@ &lt;id&gt; PUB-ERR &lt;exception&gt;
 * &lt;id&gt; peers              → @@ &lt;id&gt; PEERS &lt;names&gt;
 * &lt;id&gt; role               → @@ &lt;id&gt; ROLE &lt;role&gt; &lt;connected&gt;
 * </pre> Unprompted: {@code @@ MAIN-RETURNED <name>}, {@code @@ READY <name>} (once
 * connected), {@code @@ GOT <from>
 * <text>}, {@code @@ LEFT <name>}, {@code @@ CLOSED <name>} (the context closed, for
 * example on SIGTERM).
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class HeadlessApp {

	static void say(String line) {
		System.out.println("@@ " + line);
		System.out.flush();
	}

	static String nameOf(Endpoint endpoint) {
		return (endpoint instanceof Endpoint.Named n) ? n.name() : endpoint.toString();
	}

	static String failure(Throwable ex) {
		Throwable cause = ex;
		while ((cause instanceof ExecutionException || cause instanceof CompletionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause.getClass().getSimpleName() + " " + String.valueOf(cause.getMessage()).replace('\n', ' ');
	}

	@Bean
	Received received() {
		return new Received();
	}

	@Bean
	Handlers handlers(Received received, @Value("${ipc.endpoint}") String name) {
		return new Handlers(received, name);
	}

	/**
	 * Builds the application as the tests run it (in a child JVM or in the test's own).
	 */
	static SpringApplication application() {
		SpringApplication application = new SpringApplication(HeadlessApp.class);
		application.setBannerMode(Banner.Mode.OFF);
		return application;
	}

	public static void main(String[] args) {
		ConfigurableApplicationContext context = application().run(args);
		String name = context.getEnvironment().getRequiredProperty("ipc.endpoint");
		IpcClient client = context.getBean(IpcClient.class);
		SocketTransport transport = (SocketTransport) context.getBean(CommunicationBackend.class);
		transport.addDisconnectListener((endpoint) -> say("LEFT " + nameOf(endpoint)));
		context.addApplicationListener((ContextClosedEvent event) -> say("CLOSED " + name));
		Thread commands = new Thread(() -> serveCommands(name, client, transport), "headless-commands");
		commands.setDaemon(true);
		commands.start();
		say("MAIN-RETURNED " + name);
	}

	private static void serveCommands(String name, IpcClient client, SocketTransport transport) {
		try {
			if (transport.awaitConnected(Duration.ofSeconds(60))) {
				say("READY " + name);
			}
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null) {
				String[] words = line.trim().split(" ");
				if (words.length >= 2) {
					run(client, transport, words);
				}
			}
		}
		catch (Exception ex) {
			say("COMMANDS-FAILED " + failure(ex));
		}
	}

	private static void run(IpcClient client, SocketTransport transport, String[] words) {
		String id = words[0];
		switch (words[1]) {
			case "rpc" -> {
				try {
					String reply = client.request(new Echo(words[3]), Endpoint.named(words[2]))
						.get(60, TimeUnit.SECONDS);
					say(id + " RPC-OK " + reply);
				}
				catch (Exception ex) {
					say(id + " RPC-ERR " + failure(ex));
				}
			}
			case "pub" -> {
				try {
					client.send(new TestEvent(words[3]), Endpoint.named(words[2]));
					say(id + " PUB-OK");
				}
				catch (RuntimeException ex) {
					say(id + " PUB-ERR " + failure(ex));
				}
			}
			case "peers" -> {
				TreeSet<String> names = new TreeSet<>();
				transport.reachableEndpoints().forEach((e) -> names.add(nameOf(e)));
				say(id + " PEERS " + String.join(",", names));
			}
			case "role" -> say(id + " ROLE " + transport.currentRole() + " " + transport.isConnected());
			default -> say(id + " UNKNOWN " + words[1]);
		}
	}

	/** The events received, as {@code "<from> <text>"}. */
	public static final class Received {

		private final List<String> events = new CopyOnWriteArrayList<>();

		void add(String event) {
			this.events.add(event);
		}

		/** Whether {@code "<from> <text>"} was received. */
		public boolean contains(String event) {
			return this.events.contains(event);
		}

	}

	/** The annotated handlers. */
	public static final class Handlers {

		private final Received received;

		private final String name;

		Handlers(Received received, String name) {
			this.received = received;
			this.name = name;
		}

		@IpcRpcHandler
		public String echo(Echo request) {
			return request.text() + " " + this.name;
		}

		@IpcSubscriber
		public void on(TestEvent event, Source source) {
			String from = nameOf(source.toEndpoint());
			this.received.add(from + " " + event.text());
			say("GOT " + from + " " + event.text());
		}

	}

}
