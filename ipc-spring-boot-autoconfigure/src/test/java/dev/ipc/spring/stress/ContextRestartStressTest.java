package dev.ipc.spring.stress;

import dev.ipc.testing.ChildJvm;
import dev.ipc.testing.CpuLoad;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.context.ConfigurableApplicationContext;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spring.test.TestPayloads.Echo;
import dev.ipc.spring.test.TestPayloads.TestEvent;
import dev.ipc.transport.socket.SocketTransport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A devtools-style restart: the application context in this JVM ({@link HeadlessApp} with
 * the starter) is closed and a new one created at once, with a new client under the same
 * endpoint name, while the other side keeps running in its own JVM; {@link CpuLoad} keeps
 * the CPUs busy. After each restart the first RPC and the first event succeed in both
 * directions, alternately with the restarted context and the other side speaking first,
 * and with an RPC or an event first (default settings: Noise, 30 s RPC timeout; a
 * timed-out RPC or a lost event fails the test). Once with the restarted context as the
 * socket host, once as a peer.
 *
 * <p>
 * Tagged {@code stress}: {@code ipc.stress.iterations} restarts per scenario (2 by
 * default, more with {@code -Pstress}).
 */
@Tag("stress")
class ContextRestartStressTest {

	private static final int ITERATIONS = Integer.getInteger("ipc.stress.iterations", 2);

	private static final Duration START = Duration.ofSeconds(90);

	/** Longer than the 30 s RPC timeout, so that a timed-out RPC shows as its error. */
	private static final Duration RPC = Duration.ofSeconds(45);

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static CpuLoad load;

	@TempDir
	Path dir;

	private final List<ChildJvm> children = new ArrayList<>();

	private ConfigurableApplicationContext context;

	@BeforeAll
	static void startLoad() {
		load = CpuLoad.configured();
	}

	@AfterAll
	static void stopLoad() throws InterruptedException {
		load.close();
	}

	@AfterEach
	void closeAll() throws InterruptedException {
		if (this.context != null) {
			this.context.close();
		}
		for (ChildJvm child : this.children) {
			child.kill();
		}
	}

	private ConfigurableApplicationContext runHere(String name, String role) {
		return HeadlessApp.application()
			.run("--spring.main.web-application-type=none", "--ipc.endpoint=" + name, "--ipc.transport.role=" + role,
					"--ipc.transport.path=" + this.dir.resolve("ipc.sock"));
	}

	private ChildJvm startChild(String name, String role) throws Exception {
		ChildJvm child = ChildJvm.start(name, HeadlessApp.class,
				List.of("--spring.main.web-application-type=none", "--ipc.endpoint=" + name,
						"--ipc.transport.role=" + role, "--ipc.transport.path=" + this.dir.resolve("ipc.sock")));
		this.children.add(child);
		child.awaitLine(0, (l) -> l.equals("READY " + name), START);
		return child;
	}

	@Test
	void theHostContextRestarts() throws Exception {
		this.context = runHere("vault", "host");
		ChildJvm worker = startChild("worker", "peer");
		exchange(worker, false, false, "before");
		for (int i = 0; i < ITERATIONS; i++) {
			int mark = worker.mark();
			this.context.close();
			this.context = runHere("vault", "host");
			worker.awaitLine(mark, (l) -> l.equals("LEFT vault"), WAIT);
			if (restartedSpeaksFirst(i)) {
				awaitReachableHere("worker");
			}
			else {
				await().atMost(WAIT)
					.pollInterval(Duration.ofMillis(50))
					.until(() -> worker.call("role", WAIT).equals("ROLE PEER true"));
			}
			exchange(worker, restartedSpeaksFirst(i), rpcFirst(i), "r" + i);
		}
	}

	@Test
	void thePeerContextRestarts() throws Exception {
		ChildJvm vault = startChild("vault", "host");
		this.context = runHere("worker", "peer");
		awaitConnectedHere();
		exchange(vault, true, false, "before");
		for (int i = 0; i < ITERATIONS; i++) {
			int mark = vault.mark();
			this.context.close();
			this.context = runHere("worker", "peer");
			vault.awaitLine(mark, (l) -> l.equals("LEFT worker"), WAIT);
			if (restartedSpeaksFirst(i)) {
				awaitConnectedHere();
			}
			else {
				await().atMost(WAIT)
					.pollInterval(Duration.ofMillis(50))
					.until(() -> Arrays.asList(vault.call("peers", WAIT).substring("PEERS ".length()).split(","))
						.contains("worker"));
			}
			exchange(vault, restartedSpeaksFirst(i), rpcFirst(i), "r" + i);
		}
	}

	/** Odd iterations: the restarted context sends first; even: the other side. */
	private static boolean restartedSpeaksFirst(int iteration) {
		return iteration % 2 == 1;
	}

	/**
	 * The very first message after the restart: an event on iterations 0, 3 (mod 4), an
	 * RPC on 1, 2.
	 */
	private static boolean rpcFirst(int iteration) {
		int phase = iteration % 4;
		return phase == 1 || phase == 2;
	}

	private String here() {
		return this.context.getEnvironment().getRequiredProperty("ipc.endpoint");
	}

	private SocketTransport transportHere() {
		return (SocketTransport) this.context.getBean(CommunicationBackend.class);
	}

	private void awaitConnectedHere() throws InterruptedException {
		assertThat(transportHere().awaitConnected(WAIT)).isTrue();
	}

	private void awaitReachableHere(String name) {
		await().atMost(WAIT)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> transportHere().reachableEndpoints().contains(Endpoint.named(name)));
	}

	/**
	 * Both ways: an event and an RPC from the first speaker, then from the other side.
	 */
	private void exchange(ChildJvm other, boolean hereFirst, boolean rpcFirst, String tag) throws Exception {
		if (hereFirst) {
			fromHere(other, rpcFirst, tag);
			fromThere(other, rpcFirst, tag);
		}
		else {
			fromThere(other, rpcFirst, tag);
			fromHere(other, rpcFirst, tag);
		}
	}

	private void fromHere(ChildJvm other, boolean rpcFirst, String tag) throws Exception {
		IpcClient client = this.context.getBean(IpcClient.class);
		Endpoint there = Endpoint.named(other.name());
		String text = tag + "-from-" + here();
		int mark = other.mark();
		if (!rpcFirst) {
			client.send(new TestEvent(text), there);
		}
		assertThat(client.request(new Echo(text), there).get(RPC.toSeconds(), TimeUnit.SECONDS))
			.isEqualTo(text + " " + other.name());
		if (rpcFirst) {
			client.send(new TestEvent(text), there);
		}
		other.awaitLine(mark, (l) -> l.equals("GOT " + here() + " " + text), WAIT);
	}

	private void fromThere(ChildJvm other, boolean rpcFirst, String tag) throws Exception {
		String here = here();
		String text = tag + "-from-" + other.name();
		if (!rpcFirst) {
			assertThat(other.call("pub " + here + " " + text, WAIT)).isEqualTo("PUB-OK");
		}
		assertThat(other.call("rpc " + here + " " + text, RPC)).isEqualTo("RPC-OK " + text + " " + here);
		if (rpcFirst) {
			assertThat(other.call("pub " + here + " " + text, WAIT)).isEqualTo("PUB-OK");
		}
		HeadlessApp.Received received = this.context.getBean(HeadlessApp.Received.class);
		await().atMost(WAIT).until(() -> received.contains(other.name() + " " + text));
	}

}
