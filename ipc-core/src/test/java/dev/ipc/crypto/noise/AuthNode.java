package dev.ipc.crypto.noise;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import dev.ipc.client.IpcClient;
import dev.ipc.crypto.noise.StaticKeys.Algorithm;
import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * A child process for {@link PairingProcessTest}: a Unix-socket peer whose Noise provider
 * requires authentication, with its static keys and known peers in {@code <state dir>}
 * and an optional pairing key. Args:
 * {@code <socket> <name> <state dir> <pairing key hex | ->}. Commands on stdin
 * ({@code <id> <command>}): {@code send <to> <text>}, {@code forget <peer>},
 * {@code known <peer>}. Prints {@code @@ READY <name> <fingerprint>} (of the key for the
 * default suite, {@link NoiseSuite#DEFAULT}),
 * {@code @@ GOT <from> <pattern> <fingerprint> <text>}.
 */
public final class AuthNode {

	private AuthNode() {
	}

	static void say(String line) {
		System.out.println("@@ " + line);
		System.out.flush();
	}

	public static void main(String[] args) throws Exception {
		Path socket = Path.of(args[0]);
		String name = args[1];
		Path state = Path.of(args[2]);
		StaticKeys keys = StaticKeys.loadOrCreate(state.resolve("static-keys"), "a test secret, 16+ chars", 1000);
		KnownPeers known = KnownPeers.open(state.resolve("known-peers"));
		PeerAuthentication.Builder auth = PeerAuthentication.builder(keys)
			.knownPeers(known)
			.defaultPolicy(AuthenticationPolicy.REQUIRED);
		if (!args[3].equals("-")) {
			auth.pairingKey(PairingKeys.parse(args[3]));
		}
		NoiseCryptoProvider provider = NoiseCryptoProvider.builder()
			.authentication(auth.build())
			.handshakeTimeout(Duration.ofSeconds(5))
			.build();
		SocketTransport transport = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named(name))
			.unixSocket(socket)
			.role(Role.PEER)
			.initialBackoff(Duration.ofMillis(50))
			.maxBackoff(Duration.ofMillis(500))
			.build());
		IpcClient client = IpcClient.builder()
			.backend(transport)
			.crypto(provider, new InMemorySessionRepository<NoiseSession>())
			.name("auth-" + name)
			.build();
		client.subscribe("msg", message -> {
			Endpoint from = message.source().toEndpoint();
			PeerIdentity who = provider.peerIdentity(from).orElse(null);
			say("GOT " + nameOf(from) + " " + (who == null ? "none" : who.pattern() + " " + who.fingerprint()) + " "
					+ new String(message.payload(), StandardCharsets.UTF_8));
		});
		client.start();
		if (!transport.awaitConnected(Duration.ofSeconds(60))) {
			say("NOT-CONNECTED " + name);
		}
		say("READY " + name + " " + keys.fingerprint(Algorithm.of(NoiseSuite.DEFAULT)));
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		while ((line = in.readLine()) != null) {
			String[] words = line.trim().split(" ", 4);
			if (words.length < 3) {
				continue;
			}
			try {
				switch (words[1]) {
					case "send" -> {
						client.send(new OutgoingMessage(words[3].getBytes(StandardCharsets.UTF_8),
								Endpoint.named(words[2]), "msg"));
						say(words[0] + " SENT");
					}
					case "forget" -> say(words[0] + " FORGOT " + known.remove(Endpoint.named(words[2])));
					case "known" -> say(words[0] + " KNOWN "
							+ known.lookup(Endpoint.named(words[2]), Algorithm.of(NoiseSuite.DEFAULT))
								.map(KnownPeers.Entry::fingerprint)
								.orElse("none"));
					default -> say(words[0] + " UNKNOWN-COMMAND");
				}
			}
			catch (RuntimeException ex) {
				say(words[0] + " ERR " + String.valueOf(ex.getMessage()).replace('\n', ' '));
			}
		}
		client.close();
		transport.close();
		say("CLOSED " + name);
	}

	private static String nameOf(Endpoint endpoint) {
		return endpoint instanceof Endpoint.Named named ? named.name() : endpoint.toString();
	}

}
