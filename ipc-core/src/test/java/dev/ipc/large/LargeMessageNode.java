package dev.ipc.large;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.ipc.client.IpcClient;
import dev.ipc.large.LargePayloads.Blob;
import dev.ipc.large.LargePayloads.BlobReply;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * The child JVM of {@link LargeMessageProcessTest}: {@code LargeMessageNode <socket>
 * <name>} connects as a peer with a default Noise client (largest message
 * {@link LargePayloads#MAX_MESSAGE_SIZE}), serves {@link Blob}, prints
 * {@code @@ GOT <length> <sha256>} for every message on {@link LargePayloads#TOPIC}, and
 * runs commands from stdin: <pre>
 * &lt;id&gt; pub &lt;size&gt;         → @@ &lt;id&gt; PUB-OK | @@ &lt;id&gt; PUB-ERR &lt;message&gt;
 * &lt;id&gt; rpc &lt;size&gt; &lt;reply&gt; → @@ &lt;id&gt; RPC-OK &lt;reply length&gt; &lt;reply sha256&gt; &lt;sha256 the host saw&gt; | RPC-ERR
 * </pre> Payloads are {@link LargePayloads#pattern} seeded by their size. Ends when stdin
 * ends.
 */
public final class LargeMessageNode {

	private static final Endpoint HOST = Endpoint.named("host");

	private LargeMessageNode() {
	}

	static void say(String line) {
		System.out.println("@@ " + line);
		System.out.flush();
	}

	public static void main(String[] args) throws Exception {
		String name = args[1];
		SocketTransport transport = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named(name))
			.unixSocket(Path.of(args[0]))
			.role(Role.PEER)
			.initialBackoff(Duration.ofMillis(50))
			.maxBackoff(Duration.ofMillis(500))
			.build());
		IpcClient client = IpcClient.builder()
			.backend(transport)
			.name("large-" + name)
			.maxMessageSize(LargePayloads.MAX_MESSAGE_SIZE)
			.build();
		client.registerRpcHandler(Blob.class, (request, context) -> LargePayloads.answer(request));
		client.subscribe(LargePayloads.TOPIC,
				message -> say("GOT " + message.payload().length + " " + LargePayloads.sha256(message.payload())));
		client.start();
		if (!transport.awaitConnected(Duration.ofSeconds(60))) {
			say("NOT-CONNECTED " + name);
		}
		say("READY " + name);
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		for (String line = in.readLine(); line != null; line = in.readLine()) {
			String[] words = line.trim().split(" ");
			try {
				run(client, words);
			}
			catch (Exception ex) {
				Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
				say(words[0] + " " + words[1].toUpperCase() + "-ERR " + cause.getClass().getSimpleName() + " "
						+ String.valueOf(cause.getMessage()).replace('\n', ' '));
			}
		}
		client.close();
		transport.close();
	}

	private static void run(IpcClient client, String[] words) throws Exception {
		int size = Integer.parseInt(words[2]);
		switch (words[1]) {
			case "pub" -> {
				client.send(new OutgoingMessage(LargePayloads.pattern(size, size), HOST, LargePayloads.TOPIC));
				say(words[0] + " PUB-OK");
			}
			case "rpc" -> {
				int replySize = Integer.parseInt(words[3]);
				BlobReply reply = client.request(new Blob(LargePayloads.pattern(size, size), replySize), HOST)
					.get(120, TimeUnit.SECONDS);
				say(words[0] + " RPC-OK " + reply.data().length + " " + LargePayloads.sha256(reply.data()) + " "
						+ reply.requestSha256());
			}
			default -> say(words[0] + " UNKNOWN");
		}
	}

}
