package dev.ipc.transport.socket;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Registration;
import dev.ipc.client.TypedMessageListener;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.model.Topics;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * One process of {@link PublishMultiProcessTest}: a socket transport and an encrypting
 * client that can publish numbered events and subscribe to them, checking on the way that
 * each arrives once, in order, as a publication, from the expected source. Commands on
 * stdin ({@code <id> <verb> ...}), answers as {@code @@ <id> ...} lines:
 * <ul>
 * <li>{@code sub PUBLISHER} / {@code unsub}: subscribe to the events (expecting them from
 * {@code PUBLISHER}) / end it; answers {@code OK}</li>
 * <li>{@code stall} / {@code unstall}: the listener blocks on the next event / goes
 * on</li>
 * <li>{@code stats}: {@code STATS got=N first=F last=L bad=B lost=X}</li>
 * <li>{@code subs}: {@code SUBS N}, the subscribers this process would publish to</li>
 * <li>{@code pub FROM TO}: publishes events FROM..TO, answers {@code PUBLISHED copies}
 * when done</li>
 * <li>{@code pubasync FROM TO}: the same on a thread of its own, answers {@code STARTED}
 * at once and {@code PUBLISHED copies} when done</li>
 * </ul>
 * Args: role, socket path, name, queue capacity (transport and subscriber queues).
 */
public final class PubSubNode {

	/** About 200 bytes of JSON. */
	@IpcPayload("test.event")
	public record Event(String publisher, long seq, String pad) {
	}

	static final String PAD = "x".repeat(140);

	private static final String USER = System.getProperty("user.name");

	private final AtomicLong got = new AtomicLong();

	private final AtomicLong first = new AtomicLong(-1);

	private final AtomicLong last = new AtomicLong();

	private final AtomicLong bad = new AtomicLong();

	private final AtomicLong lost = new AtomicLong();

	private final AtomicReference<CountDownLatch> stall = new AtomicReference<>();

	private volatile String expectedPublisher = "";

	private PubSubNode() {
	}

	static void say(String line) {
		System.out.println("@@ " + line);
		System.out.flush();
	}

	public static void main(String[] args) throws Exception {
		new PubSubNode().run(args);
	}

	private void run(String[] args) throws Exception {
		Role role = Role.valueOf(args[0]);
		String name = args[2];
		int capacity = Integer.parseInt(args[3]);
		SocketTransportOptions options = SocketTransportOptions.builder()
			.endpoint(Endpoint.named(name))
			.unixSocket(Path.of(args[1]))
			.role(role)
			.initialBackoff(Duration.ofMillis(50))
			.maxBackoff(Duration.ofMillis(500))
			.helloTimeout(Duration.ofSeconds(5))
			.outboundQueueCapacity(Math.max(capacity, 1024))
			.receiverCapacity(Math.max(capacity, 1024))
			.build();
		try (SocketTransport transport = SocketTransport.open(options);
				IpcClient client = IpcClient.builder()
					.backend(transport)
					.name("pubsub-" + name)
					.crypto(new NoiseCryptoProvider(), new InMemorySessionRepository<>())
					.subscriberQueueCapacity(capacity)
					.shutdownTimeout(Duration.ofSeconds(2))
					.build()) {
			client.start();
			if (!transport.awaitConnected(Duration.ofSeconds(60))) {
				say("NOT-CONNECTED " + name);
				System.exit(2);
			}
			say("READY " + name);
			Registration subscription = null;
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null) {
				String[] w = line.trim().split(" ");
				if (w.length < 2) {
					continue;
				}
				String id = w[0];
				switch (w[1]) {
					case "sub" -> {
						expectedPublisher = w[2];
						subscription = client.subscribe(Event.class, listener());
						say(id + " OK");
					}
					case "unsub" -> {
						if (subscription != null) {
							subscription.close();
						}
						say(id + " OK");
					}
					case "stall" -> {
						stall.set(new CountDownLatch(1));
						say(id + " OK");
					}
					case "unstall" -> {
						CountDownLatch latch = stall.getAndSet(null);
						if (latch != null) {
							latch.countDown();
						}
						say(id + " OK");
					}
					case "stats" -> say(id + " STATS got=" + got.get() + " first=" + first.get() + " last=" + last.get()
							+ " bad=" + bad.get() + " lost=" + lost.get());
					case "subs" -> say(id + " SUBS " + transport.subscribersOf(Topics.topicOf(Event.class)).size());
					case "pub" -> say(id + " PUBLISHED " + publish(client, name, w));
					case "pubasync" -> {
						Thread t = new Thread(() -> say(id + " PUBLISHED " + publish(client, name, w)), "publisher");
						t.start();
						say(id + " STARTED");
					}
					default -> say(id + " UNKNOWN " + w[1]);
				}
			}
		}
	}

	private static long publish(IpcClient client, String name, String[] w) {
		long from = Long.parseLong(w[2]);
		long to = Long.parseLong(w[3]);
		long copies = 0;
		for (long seq = from; seq <= to; seq++) {
			copies += client.publish(new Event(name, seq, PAD));
		}
		return copies;
	}

	private TypedMessageListener<Event> listener() {
		return new TypedMessageListener<>() {
			@Override
			public void onMessage(TypedIncomingMessage<Event> message) throws Exception {
				CountDownLatch latch = stall.get();
				if (latch != null) {
					latch.await();
				}
				Event event = message.payload();
				boolean ok = message.kind() == DeliveryKind.PUBLISHED
						&& message.source().equals(new Source.Named(expectedPublisher, USER))
						&& event.publisher().equals(expectedPublisher) && (first.get() < 0 || event.seq() > last.get());
				if (!ok) {
					bad.incrementAndGet();
					say("BAD " + message + " seq=" + event.seq() + " last=" + last.get());
				}
				first.compareAndSet(-1, event.seq());
				last.set(event.seq());
				got.incrementAndGet();
			}

			@Override
			public void onMessagesLost(long count) {
				lost.addAndGet(count);
			}
		};
	}

}
