package dev.ipc.transport.socket;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.transport.socket.SocketTestSupport.Echo;
import dev.ipc.transport.socket.SocketTestSupport.Greeting;
import dev.ipc.transport.socket.SocketTestSupport.Hang;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * A scripted process for {@link MultiProcessSocketTest}:
 * {@code SocketTestNode <HOST|PEER|AUTO> <socket> <name>}. Builds a client on the socket
 * transport (crypto chosen in {@link SocketTestSupport#withCrypto}), serves {@code Echo}
 * and {@code Hang}, answers greetings starting with {@code ping:} with {@code pong:}, and
 * runs commands read from stdin, each prefixed with an id that its answer repeats: <pre>
 * &lt;id&gt; rpc &lt;dest&gt; &lt;text&gt;   → @@ &lt;id&gt; RPC-OK &lt;text&gt; &lt;by&gt; &lt;callerSource&gt; | @@ &lt;id&gt; RPC-ERR &lt;exception&gt;
 * &lt;id&gt; hang &lt;dest&gt;          → @@ &lt;id&gt; HANG-SENT, later @@ &lt;id&gt; HANG-ERR &lt;exception&gt;
 * &lt;id&gt; pub &lt;dest&gt; &lt;text&gt;   → @@ &lt;id&gt; PUB-OK | @@ &lt;id&gt; PUB-ERR &lt;exception&gt;
 * &lt;id&gt; peers               → @@ &lt;id&gt; PEERS &lt;names&gt;
 * &lt;id&gt; role                → @@ &lt;id&gt; ROLE &lt;role&gt; &lt;connected&gt;
 * </pre> Unprompted lines: {@code @@ READY <name> <role>}, {@code @@ GOT <from> <text>},
 * {@code @@ LEFT <name>}. The process exits when stdin ends.
 */
public final class SocketTestNode {

	private SocketTestNode() {
	}

	static void say(String line) {
		System.out.println("@@ " + line);
		System.out.flush();
	}

	private static String nameOf(Endpoint endpoint) {
		return (endpoint instanceof Endpoint.Named n) ? n.name() : endpoint.toString();
	}

	private static String nameOf(Source source) {
		return nameOf(source.toEndpoint());
	}

	private static String failure(Throwable ex) {
		Throwable cause = ex;
		while ((cause instanceof ExecutionException || cause instanceof CompletionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause.getClass().getSimpleName();
	}

	public static void main(String[] args) throws Exception {
		Role role = Role.valueOf(args[0]);
		Path socket = Path.of(args[1]);
		String name = args[2];
		SocketTransportOptions options = SocketTransportOptions.builder()
			.endpoint(Endpoint.named(name))
			.unixSocket(socket)
			.role(role)
			.initialBackoff(Duration.ofMillis(50))
			.maxBackoff(Duration.ofMillis(500))
			.helloTimeout(Duration.ofSeconds(3))
			.build();
		try (SocketTransport transport = SocketTransport.open(options)) {
			transport.addDisconnectListener(endpoint -> say("LEFT " + nameOf(endpoint)));
			IpcClient client = SocketTestSupport.startClient(transport, Endpoint.named(name));
			client.subscribe(Greeting.class, message -> {
				String text = message.payload().text();
				say("GOT " + nameOf(message.source()) + " " + text);
				if (text.startsWith("ping:")) {
					client.send(new Greeting("pong:" + text.substring(5)), message.source().toEndpoint());
				}
			});
			if (!transport.awaitConnected(Duration.ofSeconds(30))) {
				say("NOT-CONNECTED " + name);
				System.exit(2);
			}
			say("READY " + name + " " + transport.currentRole());
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null) {
				String[] words = line.trim().split(" ");
				if (words.length < 2) {
					continue;
				}
				String id = words[0];
				try {
					run(client, transport, id, words);
				}
				catch (RuntimeException ex) {
					say(id + " ERROR " + failure(ex));
				}
			}
			client.close();
		}
	}

	private static void run(IpcClient client, SocketTransport transport, String id, String[] words) {
		switch (words[1]) {
			case "rpc" -> {
				try {
					var reply = client.request(new Echo(words[3]), Endpoint.named(words[2]), Duration.ofSeconds(5))
						.get(10, TimeUnit.SECONDS);
					say(id + " RPC-OK " + reply.text() + " " + reply.by() + " "
							+ reply.callerSource().replace(' ', '_'));
				}
				catch (Exception ex) {
					say(id + " RPC-ERR " + failure(ex));
				}
			}
			case "hang" -> {
				client.request(new Hang("x"), Endpoint.named(words[2]), Duration.ofMinutes(5))
					.whenComplete((value, ex) -> say(id + " HANG-" + ((ex != null) ? "ERR " + failure(ex) : "OK")));
				say(id + " HANG-SENT");
			}
			case "pub" -> {
				try {
					client.send(new Greeting(words[3]), Endpoint.named(words[2]));
					say(id + " PUB-OK");
				}
				catch (RuntimeException ex) {
					say(id + " PUB-ERR " + failure(ex));
				}
			}
			case "peers" -> {
				TreeSet<String> names = new TreeSet<>();
				transport.reachableEndpoints().forEach(e -> names.add(nameOf(e)));
				say(id + " PEERS " + String.join(",", names));
			}
			case "role" -> say(id + " ROLE " + transport.currentRole() + " " + transport.isConnected());
			default -> say(id + " UNKNOWN " + words[1]);
		}
	}

}
