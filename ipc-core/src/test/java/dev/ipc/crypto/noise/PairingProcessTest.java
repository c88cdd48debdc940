package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.testing.ChildJvm;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Pairing end to end between two JVMs over the Unix socket (this JVM only hosts the
 * socket, which routes their opaque frames): pair with a shared key, restart both (keys
 * and known peers survive; KK, no pairing again), then a key change on one side is
 * refused on both until the old entries are removed and the two pair again.
 */
class PairingProcessTest {

	private static final Duration START = Duration.ofSeconds(60);

	private static final String PAIRING_KEY = PairingKeys.toCode(PairingKeys.generate());

	@TempDir
	Path dir;

	private SocketTransport host;

	private IpcClient hostClient;

	private final List<ChildJvm> children = new ArrayList<>();

	@BeforeEach
	void openHost() throws Exception {
		host = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named("host"))
			.unixSocket(dir.resolve("ipc.sock"))
			.role(Role.HOST)
			.build());
		hostClient = IpcClient.builder().backend(host).name("pairing-test-host").build();
		hostClient.start();
	}

	@AfterEach
	void closeAll() throws Exception {
		for (ChildJvm child : children) {
			child.kill();
		}
		hostClient.close();
		host.close();
	}

	private ChildJvm node(String name) throws Exception {
		ChildJvm child = ChildJvm.start(name, AuthNode.class,
				List.of(dir.resolve("ipc.sock").toString(), name, dir.resolve(name).toString(), PAIRING_KEY));
		children.add(child);
		child.awaitLine(0, l -> l.startsWith("READY " + name), START);
		return child;
	}

	private static String fingerprint(ChildJvm node) {
		return node.awaitLine(0, l -> l.startsWith("READY "), START).split(" ")[2];
	}

	private static void stop(ChildJvm node) throws Exception {
		node.closeStdin();
		node.awaitLine(0, l -> l.startsWith("CLOSED "), START);
		node.awaitExit(START);
	}

	@Test
	void pairRestartKkThenAKeyChangeIsRefusedUntilRepaired() throws Exception {
		ChildJvm alpha = node("alpha");
		ChildJvm beta = node("beta");
		String alphaKey = fingerprint(alpha);
		String betaKey = fingerprint(beta);

		// 1. pairing (NNpsk2): both store the other's key
		assertThat(alpha.call("send beta hello", START)).isEqualTo("SENT");
		assertThat(beta.awaitLine(0, l -> l.startsWith("GOT alpha"), START))
			.isEqualTo("GOT alpha NNpsk2 " + alphaKey + " hello");
		assertThat(alpha.call("known beta", START)).isEqualTo("KNOWN " + betaKey);
		assertThat(beta.call("known alpha", START)).isEqualTo("KNOWN " + alphaKey);

		// 2. restart both: same keys, KK without pairing
		stop(alpha);
		stop(beta);
		alpha = node("alpha");
		beta = node("beta");
		assertThat(fingerprint(alpha)).isEqualTo(alphaKey);
		assertThat(beta.call("send alpha after-restart", START)).isEqualTo("SENT");
		assertThat(alpha.awaitLine(0, l -> l.startsWith("GOT beta"), START))
			.isEqualTo("GOT beta KK " + betaKey + " after-restart");

		// 3. alpha gets a new key: refused loudly both ways
		stop(alpha);
		Files.delete(dir.resolve("alpha").resolve("static-keys"));
		alpha = node("alpha");
		String newAlphaKey = fingerprint(alpha);
		assertThat(newAlphaKey).isNotEqualTo(alphaKey);
		assertThat(alpha.call("send beta with-new-key", START)).startsWith("ERR")
			.contains("refused our KK handshake")
			.contains("keys do not match");
		assertThat(beta.call("send alpha to-new-key", START)).startsWith("ERR").contains("refused our KK handshake");
		// pairing again while beta still knows the old key: refused ("HAS CHANGED")
		assertThat(alpha.call("forget beta", START)).isEqualTo("FORGOT true");
		assertThat(alpha.call("send beta repair-too-early", START)).startsWith("ERR").contains("re-pairing refused");
		assertThat(beta.saw(0, l -> l.contains("repair-too-early"))).isFalse();

		// 4. beta revokes the old key: pairing goes through, then KK
		assertThat(beta.call("forget alpha", START)).isEqualTo("FORGOT true");
		assertThat(alpha.call("send beta re-paired", START)).isEqualTo("SENT");
		assertThat(beta.awaitLine(0, l -> l.contains("re-paired"), START))
			.isEqualTo("GOT alpha NNpsk2 " + newAlphaKey + " re-paired");
		assertThat(beta.call("known alpha", START)).isEqualTo("KNOWN " + newAlphaKey);
	}

}
