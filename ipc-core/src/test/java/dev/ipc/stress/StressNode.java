package dev.ipc.stress;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.stress.StressPayloads.Echo;
import dev.ipc.stress.StressPayloads.EchoReply;
import dev.ipc.stress.StressPayloads.Greeting;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;
import dev.ipc.transport.socket.SocketTransportStats;

/**
 * A plain-Java application for the multi-process tests:
 * {@code StressNode <HOST|PEER> <socket> <name>
 * [no-keep-alive]}. Its {@code main} opens a Unix-socket transport and a default client
 * (Noise, default RPC timeout of 30 s), starts it, registers a shutdown hook that closes
 * both, starts a daemon thread reading commands from stdin and <em>returns</em>: only the
 * running client keeps the JVM alive ({@code keepJvmAlive}, unless
 * {@code no-keep-alive}). It serves {@link Echo} and prints the {@link Greeting}s it
 * gets. Commands, each prefixed with an id its answer repeats: <pre>
 * &lt;id&gt; rpc &lt;dest&gt; &lt;text&gt;  → @@ &lt;id&gt; RPC-OK &lt;text&gt; &lt;by&gt; | @@ &lt;id&gt; RPC-ERR &lt;exception&gt; &lt;message&gt;
 * &lt;id&gt; pub &lt;dest&gt; &lt;text&gt;  → @@ &lt;id&gt; PUB-OK | @@ &lt;id&gt; PUB-ERR &lt;exception&gt;
 * &lt;id&gt; peers              → @@ &lt;id&gt; PEERS &lt;names&gt;
 * &lt;id&gt; role               → @@ &lt;id&gt; ROLE &lt;role&gt; &lt;connected&gt;
 * &lt;id&gt; stats              → @@ &lt;id&gt; STATS &lt;key=value ...&gt; (see {@link EventCounts}, plus transport counters)
 * </pre> Unprompted: {@code @@ MAIN-RETURNED <name>}, {@code @@ READY <name> <role>}
 * (once connected), {@code @@ GOT <from>
 * <text>}, {@code @@ LEFT <name>}, {@code @@ CLOSED <name>}. When stdin ends it closes
 * the client and the transport, and the JVM ends by itself.
 */
public final class StressNode {

	private StressNode() {
	}

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

	public static void main(String[] args) throws Exception {
		Role role = Role.valueOf(args[0]);
		Path socket = Path.of(args[1]);
		String name = args[2];
		boolean keepAlive = !(args.length > 3 && args[3].equals("no-keep-alive"));
		EventCounts counts = new EventCounts();
		SocketTransport transport = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named(name))
			.unixSocket(socket)
			.role(role)
			.initialBackoff(Duration.ofMillis(50))
			.maxBackoff(Duration.ofMillis(500))
			.listener(counts)
			.build());
		transport.addDisconnectListener(endpoint -> say("LEFT " + nameOf(endpoint)));
		IpcClient client = IpcClient.builder()
			.backend(transport)
			.name("node-" + name)
			.listener(counts)
			.keepJvmAlive(keepAlive)
			.build();
		client.registerRpcHandler(Echo.class, (request, context) -> new EchoReply(request.text(), name));
		client.subscribe(Greeting.class,
				message -> say("GOT " + nameOf(message.source().toEndpoint()) + " " + message.payload().text()));
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			try {
				closeAll(client, transport);
				say("CLOSED " + name);
			}
			catch (Throwable ex) {
				say("CLOSE-FAILED " + failure(ex));
				ex.printStackTrace();
			}
		}, "node-shutdown"));
		client.start();
		Thread commands = new Thread(() -> serveCommands(name, client, transport, counts), "node-commands");
		commands.setDaemon(true);
		commands.start();
		say("MAIN-RETURNED " + name);
	}

	private static void closeAll(IpcClient client, SocketTransport transport) {
		try {
			client.close();
		}
		finally {
			transport.close();
		}
	}

	private static void serveCommands(String name, IpcClient client, SocketTransport transport, EventCounts counts) {
		try {
			if (!transport.awaitConnected(Duration.ofSeconds(60))) {
				say("NOT-CONNECTED " + name);
			}
			else {
				say("READY " + name + " " + transport.currentRole());
			}
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null) {
				String[] words = line.trim().split(" ");
				if (words.length < 2) {
					continue;
				}
				try {
					run(client, transport, counts, words);
				}
				catch (RuntimeException ex) {
					say(words[0] + " ERROR " + failure(ex));
				}
			}
		}
		catch (Exception ex) {
			say("COMMANDS-FAILED " + failure(ex));
		}
		// stdin ended: closing the client releases the JVM
		closeAll(client, transport);
		say("CLOSED " + name);
	}

	private static void run(IpcClient client, SocketTransport transport, EventCounts counts, String[] words) {
		String id = words[0];
		switch (words[1]) {
			case "rpc" -> {
				try {
					// the client's default timeout (30 s) governs; the bound here only
					// keeps the node responsive
					EchoReply reply = client.request(new Echo(words[3]), Endpoint.named(words[2]))
						.get(60, TimeUnit.SECONDS);
					say(id + " RPC-OK " + reply.text() + " " + reply.by());
				}
				catch (Exception ex) {
					say(id + " RPC-ERR " + failure(ex));
				}
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
			case "stats" -> {
				SocketTransportStats stats = transport.stats();
				say(id + " STATS "
						+ counts.format(Map.of("transport.noReceiverDrops", stats.noReceiverDrops(),
								"transport.heldUntilSubscribed", stats.heldUntilSubscribed(), "transport.undeliverable",
								stats.undeliverable(), "transport.overflowDrops", stats.overflowDrops(),
								"transport.malformedFrames", stats.malformedFrames())));
			}
			default -> say(id + " UNKNOWN " + words[1]);
		}
	}

}
