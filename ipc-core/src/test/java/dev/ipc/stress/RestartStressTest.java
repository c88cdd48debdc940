package dev.ipc.stress;

import dev.ipc.testing.ChildJvm;
import dev.ipc.testing.CpuLoad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * The restart scenarios with real JVMs ({@link StressNode}, plain core clients with
 * default settings: Noise, 30 s RPC timeout) on a real Unix socket, while {@link CpuLoad}
 * keeps every CPU of this machine busy: the host killed (SIGKILL) or stopped (SIGTERM)
 * and restarted while its peer keeps running, the same for the peer, and cold starts.
 * After each restart the first RPC and the first event in both directions must succeed,
 * alternately with the side that kept running and the restarted side speaking first, and
 * with an RPC or an event as the very first message. An RPC that had to wait out its
 * timeout fails the test (it answers {@code RPC-ERR RpcTimeoutException}), and so does a
 * lost event; every wait is on a condition with a bound.
 *
 * <p>
 * Tagged {@code stress}: {@code mvn verify} runs each scenario
 * {@code ipc.stress.jvm-iterations} times (2 by default), {@code mvn verify -Pstress}
 * many more.
 */
@Tag("stress")
class RestartStressTest {

	private static final int ITERATIONS = Integer.getInteger("ipc.stress.jvm-iterations", 2);

	/** Starting a JVM on a loaded machine. */
	private static final Duration START = Duration.ofSeconds(60);

	/**
	 * Longer than the 30 s RPC timeout, so that a timed-out RPC shows as its error rather
	 * than as no answer.
	 */
	private static final Duration RPC = Duration.ofSeconds(45);

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static CpuLoad load;

	@TempDir
	Path dir;

	private final List<ChildJvm> children = new ArrayList<>();

	@BeforeAll
	static void startLoad() {
		load = CpuLoad.configured();
	}

	@AfterAll
	static void stopLoad() throws InterruptedException {
		load.close();
		assertThat(load.spins()).as("the load generator ran").isPositive();
	}

	@AfterEach
	void killAll() throws InterruptedException {
		for (ChildJvm child : children) {
			child.kill();
		}
	}

	private ChildJvm start(Role role, String name, Path socket) throws Exception {
		ChildJvm child = ChildJvm.start(name, StressNode.class, List.of(role.name(), socket.toString(), name));
		children.add(child);
		return child;
	}

	private ChildJvm started(Role role, String name) throws Exception {
		ChildJvm child = start(role, name, dir.resolve("ipc.sock"));
		child.awaitLine(0, l -> l.startsWith("READY " + name), START);
		return child;
	}

	// ------------------------------------------------------------------ scenarios

	@Test
	void hostKilledAndRestarted() throws Exception {
		hostRestarts(true);
	}

	@Test
	void hostStoppedGracefullyAndRestarted() throws Exception {
		hostRestarts(false);
	}

	@Test
	void peerKilledAndRestarted() throws Exception {
		peerRestarts(true);
	}

	@Test
	void peerStoppedGracefullyAndRestarted() throws Exception {
		peerRestarts(false);
	}

	private void hostRestarts(boolean kill) throws Exception {
		ChildJvm host = started(Role.HOST, "host");
		ChildJvm peer = started(Role.PEER, "peer");
		exchange(peer, host, false, "before"); // sessions exist both ways before the
												// first restart
		for (int i = 0; i < ITERATIONS; i++) {
			int mark = peer.mark();
			stop(host, kill);
			peer.awaitLine(mark, l -> l.equals("LEFT host"), WAIT);
			host = started(Role.HOST, "host");
			if (restartedSpeaksFirst(i)) {
				awaitReachable(host, "peer");
				exchange(host, peer, rpcFirst(i), "r" + i);
			}
			else {
				awaitConnected(peer);
				exchange(peer, host, rpcFirst(i), "r" + i);
			}
			report("host " + (kill ? "killed" : "stopped") + ", restart " + (i + 1), host, peer);
		}
	}

	private void peerRestarts(boolean kill) throws Exception {
		ChildJvm host = started(Role.HOST, "host");
		ChildJvm peer = started(Role.PEER, "peer");
		exchange(host, peer, false, "before");
		for (int i = 0; i < ITERATIONS; i++) {
			int mark = host.mark();
			stop(peer, kill);
			host.awaitLine(mark, l -> l.equals("LEFT peer"), WAIT);
			peer = started(Role.PEER, "peer");
			if (restartedSpeaksFirst(i)) {
				exchange(peer, host, rpcFirst(i), "r" + i);
			}
			else {
				awaitReachable(host, "peer");
				exchange(host, peer, rpcFirst(i), "r" + i);
			}
			report("peer " + (kill ? "killed" : "stopped") + ", restart " + (i + 1), host, peer);
		}
	}

	/**
	 * Fresh JVMs, fresh socket: the peer's first RPC (default 30 s timeout) succeeds, and
	 * it did not need anywhere near its timeout: no handshake attempt failed or was
	 * retried, no frame was dropped anywhere.
	 */
	@Test
	void coldStartFirstRpc() throws Exception {
		for (int i = 0; i < ITERATIONS; i++) {
			Path socket = dir.resolve("cold-" + i + ".sock");
			ChildJvm host = start(Role.HOST, "host", socket);
			ChildJvm peer = start(Role.PEER, "peer", socket);
			host.awaitLine(0, l -> l.startsWith("READY host"), START);
			peer.awaitLine(0, l -> l.startsWith("READY peer"), START);
			assertRpc(peer, "host", "cold" + i);
			assertRpc(host, "peer", "cold" + i);
			Map<String, Long> hostStats = stats(host);
			Map<String, Long> peerStats = stats(peer);
			report("cold start " + (i + 1), host, peer);
			assertThat(peerStats).as("peer")
				.containsEntry("handshake.initiated", 1L)
				.containsEntry("rpc.client.SUCCESS", 1L)
				.doesNotContainKey("handshake.failed");
			assertThat(hostStats).as("host")
				.containsEntry("handshake.answered", 1L)
				.containsEntry("rpc.client.SUCCESS", 1L)
				.doesNotContainKey("handshake.initiated")
				.doesNotContainKey("handshake.failed");
			for (Map<String, Long> stats : List.of(hostStats, peerStats)) {
				assertThat(stats.keySet()).as("no drop of any kind").noneMatch(key -> key.startsWith("drop."));
				assertThat(stats.keySet()).as("no session invalidated").noneMatch(k -> k.startsWith("invalidated."));
				assertThat(stats).containsEntry("transport.noReceiverDrops", 0L)
					.containsEntry("transport.undeliverable", 0L);
			}
			host.closeStdin();
			peer.closeStdin();
			assertThat(peer.awaitExit(WAIT)).as("the peer ends once its client is closed").hasValue(0);
			assertThat(host.awaitExit(WAIT)).as("the host ends once its client is closed").hasValue(0);
		}
	}

	// ------------------------------------------------------------------ steps

	/**
	 * Odd iterations: the restarted side sends first; even: the side that kept running.
	 */
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

	private static void stop(ChildJvm node, boolean kill) throws InterruptedException {
		if (kill) {
			node.kill();
			return;
		}
		int mark = node.mark();
		node.terminate();
		OptionalInt exit = node.awaitExit(WAIT);
		assertThat(exit).as(node.name() + " ends on SIGTERM").hasValue(143);
		node.awaitLine(mark, l -> l.equals("CLOSED " + node.name()), WAIT);
	}

	/**
	 * The first messages after a restart: {@code speaker} sends an event and an RPC (in
	 * the order {@code rpcFirst} says) to {@code listener}, then the other way round;
	 * every RPC succeeds, every event arrives.
	 */
	private static void exchange(ChildJvm speaker, ChildJvm listener, boolean rpcFirst, String tag) throws Exception {
		String s = speaker.name();
		String l = listener.name();
		int listenerMark = listener.mark();
		int speakerMark = speaker.mark();
		String there = tag + "-from-" + s;
		if (rpcFirst) {
			assertRpc(speaker, l, there);
			assertPub(speaker, l, there);
		}
		else {
			assertPub(speaker, l, there);
			assertRpc(speaker, l, there);
		}
		listener.awaitLine(listenerMark, line -> line.equals("GOT " + s + " " + there), WAIT);
		String back = tag + "-from-" + l;
		assertPub(listener, s, back);
		assertRpc(listener, s, back);
		speaker.awaitLine(speakerMark, line -> line.equals("GOT " + l + " " + back), WAIT);
	}

	private static void assertRpc(ChildJvm from, String to, String text) throws Exception {
		assertThat(from.call("rpc " + to + " " + text, RPC)).as("RPC %s -> %s", from.name(), to)
			.isEqualTo("RPC-OK " + text + " " + to);
	}

	private static void assertPub(ChildJvm from, String to, String text) throws Exception {
		assertThat(from.call("pub " + to + " " + text, WAIT)).as("event %s -> %s", from.name(), to).isEqualTo("PUB-OK");
	}

	/**
	 * Waits until the host has registered {@code name} (a restarted peer, or a peer that
	 * reconnected).
	 */
	private static void awaitReachable(ChildJvm host, String name) {
		await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
			String peers = host.call("peers", WAIT);
			return Arrays.asList(peers.substring("PEERS ".length()).split(",")).contains(name);
		});
	}

	/** Waits until a peer is connected to a host again. */
	private static void awaitConnected(ChildJvm peer) {
		await().atMost(WAIT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> peer.call("role", WAIT).equals("ROLE PEER true"));
	}

	static Map<String, Long> stats(ChildJvm node) throws Exception {
		String line = node.call("stats", WAIT);
		Map<String, Long> stats = new LinkedHashMap<>();
		for (String word : line.substring("STATS ".length()).split(" ")) {
			int eq = word.indexOf('=');
			if (eq > 0) {
				stats.put(word.substring(0, eq), Long.parseLong(word.substring(eq + 1)));
			}
		}
		return stats;
	}

	/** One line per step with both sides' counters, as evidence in the build output. */
	private static void report(String step, ChildJvm host, ChildJvm peer) throws Exception {
		System.out.println("[stress] " + step + ": host " + stats(host) + "; peer " + stats(peer));
	}

}
