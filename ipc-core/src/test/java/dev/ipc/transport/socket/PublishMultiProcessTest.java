package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.testing.ChildJvm;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Publications over the socket transport between real JVMs ({@link PubSubNode}), Noise
 * encrypted: one publisher and eight subscriber processes (one of them the host), 10,000
 * events each received exactly once, in order, as a publication from the publisher's
 * verified source; subscribing, unsubscribing and a SIGKILLed subscriber in the middle of
 * a stream; a stalled subscriber loses its oldest events with a count and holds nobody
 * else up. The queues are sized for the bursts, so nothing is dropped unless a test means
 * it (publications are not flow-controlled; docs/limits.md).
 */
class PublishMultiProcessTest {

	private static final Duration START = Duration.ofSeconds(90);

	private static final Duration WAIT = Duration.ofSeconds(120);

	private static final Pattern STATS = Pattern
		.compile("STATS got=(\\d+) first=(-?\\d+) last=(\\d+) bad=(\\d+) lost=(\\d+)");

	@TempDir
	Path dir;

	private final List<ChildJvm> children = new ArrayList<>();

	@AfterEach
	void stopAll() throws Exception {
		for (ChildJvm child : children) {
			child.kill();
		}
	}

	private ChildJvm start(Role role, String name, int capacity) throws Exception {
		ChildJvm child = ChildJvm.start(name, PubSubNode.class,
				List.of(role.name(), dir.resolve("ipc.sock").toString(), name, Integer.toString(capacity)));
		children.add(child);
		return child;
	}

	private static void awaitReady(ChildJvm... nodes) {
		for (ChildJvm node : nodes) {
			node.awaitLine(0, l -> l.startsWith("READY"), START);
		}
	}

	/** got, first, last, bad, lost */
	private static long[] stats(ChildJvm node) throws Exception {
		Matcher m = STATS.matcher(node.call("stats", WAIT));
		assertThat(m.matches()).isTrue();
		return new long[] { Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
				Long.parseLong(m.group(4)), Long.parseLong(m.group(5)) };
	}

	private static void awaitSubscribers(ChildJvm publisher, int count) {
		await().atMost(WAIT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> publisher.call("subs", WAIT).equals("SUBS " + count));
	}

	private static void awaitGot(ChildJvm node, long count) {
		await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> stats(node)[0] >= count);
	}

	@Test
	void eightSubscriberProcessesEachGetTenThousandEventsOnceInOrder() throws Exception {
		int events = 10_000;
		ChildJvm host = start(Role.HOST, "sub0", 16_384);
		awaitReady(host);
		List<ChildJvm> subscribers = new ArrayList<>(List.of(host));
		for (int i = 1; i < 8; i++) {
			subscribers.add(start(Role.PEER, "sub" + i, 16_384));
		}
		ChildJvm publisher = start(Role.PEER, "pub", 16_384);
		awaitReady(subscribers.toArray(ChildJvm[]::new));
		awaitReady(publisher);
		for (ChildJvm s : subscribers) {
			assertThat(s.call("sub pub", WAIT)).isEqualTo("OK");
		}
		awaitSubscribers(publisher, 8);

		assertThat(publisher.call("pub 1 " + events, WAIT)).isEqualTo("PUBLISHED " + (8L * events));

		for (ChildJvm s : subscribers) {
			awaitGot(s, events);
			assertThat(stats(s)).as(s.name()).containsExactly(events, 1, events, 0, 0);
		}
	}

	@Test
	void subscribingUnsubscribingAndLeavingMidStreamCostTheOthersNothing() throws Exception {
		ChildJvm host = start(Role.HOST, "host", 16_384);
		awaitReady(host);
		ChildJvm steady = start(Role.PEER, "steady", 16_384);
		ChildJvm leaving = start(Role.PEER, "leaving", 16_384);
		ChildJvm killed = start(Role.PEER, "killed", 16_384);
		ChildJvm late = start(Role.PEER, "late", 16_384);
		ChildJvm publisher = start(Role.PEER, "pub", 16_384);
		awaitReady(steady, leaving, killed, late, publisher);
		for (ChildJvm s : List.of(steady, leaving, killed)) {
			assertThat(s.call("sub pub", WAIT)).isEqualTo("OK");
		}
		awaitSubscribers(publisher, 3);

		// a stream, and while it runs: one unsubscribes, one is killed, one joins
		String streaming = publisher.send("pubasync 1 6000");
		awaitGot(steady, 500);
		assertThat(leaving.call("unsub", WAIT)).isEqualTo("OK");
		killed.kill();
		assertThat(late.call("sub pub", WAIT)).isEqualTo("OK");
		publisher.awaitLine(0, l -> l.startsWith(streaming + " PUBLISHED"), WAIT);
		// the publisher has seen all three changes before the last events
		awaitSubscribers(publisher, 2);
		assertThat(publisher.call("pub 6001 7000", WAIT)).isEqualTo("PUBLISHED 2000");

		awaitGot(steady, 7000);
		assertThat(stats(steady)).containsExactly(7000, 1, 7000, 0, 0);
		long[] left = stats(leaving);
		assertThat(left[1]).isEqualTo(1);
		assertThat(left[0]).isEqualTo(left[2]).isLessThanOrEqualTo(6000);
		assertThat(left[3]).isZero();
		await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> stats(late)[2] == 7000);
		long[] joined = stats(late);
		assertThat(joined[3]).isZero();
		assertThat(joined[1]).isBetween(1L, 6001L);
		assertThat(joined[0]).as("a contiguous suffix").isEqualTo(7000 - joined[1] + 1);
		assertThat(host.call("stats", WAIT)).startsWith("STATS got=0 ");
	}

	@Test
	void aStalledSubscriberLosesItsOldestEventsWithACountAndStallsNobody() throws Exception {
		int events = 5_000;
		ChildJvm host = start(Role.HOST, "host", 16_384);
		awaitReady(host);
		ChildJvm fast = start(Role.PEER, "fast", 16_384);
		ChildJvm stalled = start(Role.PEER, "stalled", 64);
		ChildJvm publisher = start(Role.PEER, "pub", 16_384);
		awaitReady(fast, stalled, publisher);
		for (ChildJvm s : List.of(host, fast, stalled)) {
			assertThat(s.call("sub pub", WAIT)).isEqualTo("OK");
		}
		awaitSubscribers(publisher, 3);
		assertThat(stalled.call("stall", WAIT)).isEqualTo("OK");

		assertThat(publisher.call("pub 1 " + events, WAIT)).isEqualTo("PUBLISHED " + (3L * events));

		// the others got everything while the stalled one's listener still hangs
		for (ChildJvm s : List.of(host, fast)) {
			awaitGot(s, events);
			assertThat(stats(s)).as(s.name()).containsExactly(events, 1, events, 0, 0);
		}
		assertThat(stats(stalled)[0]).isZero();
		// the stalled one lost its oldest: once its listener goes on, it gets the one it
		// held, its subscription queue's worth of the newest events, and the count of the
		// rest (reported to the listener, in line with the events)
		assertThat(stalled.call("unstall", WAIT)).isEqualTo("OK");
		await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> stats(stalled)[2] == events);
		long[] s = stats(stalled);
		assertThat(s[3]).as("bad").isZero();
		assertThat(s[0] + s[4]).as("received + lost").isEqualTo(events);
		assertThat(s[0]).isLessThan(events);
		assertThat(s[1]).as("first").isEqualTo(1);
	}

}
