package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.client.IpcClient;
import dev.ipc.client.IpcClientBuilder;
import dev.ipc.client.TypedMessageListener;
import dev.ipc.client.TypedSubscription;
import dev.ipc.model.Endpoint;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.transport.socket.SocketTestSupport.Echo;
import dev.ipc.transport.socket.SocketTestSupport.EchoReply;
import dev.ipc.transport.socket.SocketTestSupport.Greeting;
import dev.ipc.transport.socket.SocketTestSupport.Hang;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * {@link IpcClient#call} over the socket transport, where the calling thread reads its
 * own response ({@link CallerReads}): the read side is handed on when a caller is done,
 * times out or is interrupted, whatever it reads for others is delivered as before, and a
 * host that dies while a caller reads fails the call at once.
 */
class SyncCallTest {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final Endpoint HOST = Endpoint.named("host");

	private static final Endpoint ALPHA = Endpoint.named("alpha");

	@TempDir
	Path dir;

	private SocketFixture fx;

	private final List<Thread> threads = new ArrayList<>();

	@BeforeEach
	void setUp() {
		fx = new SocketFixture(dir.resolve("ipc.sock"));
	}

	@AfterEach
	void tearDown() throws InterruptedException {
		for (Thread thread : threads) {
			thread.interrupt();
			thread.join(WAIT.toMillis());
		}
		fx.close();
	}

	private SocketTransport connectedPeer(SocketTransport hostTransport, String name) throws Exception {
		SocketTransport peer = fx.transport(name, Role.PEER);
		await().atMost(WAIT).until(() -> hostTransport.reachableEndpoints().contains(Endpoint.named(name)));
		await().atMost(WAIT).until(peer::isConnected);
		return peer;
	}

	/** A call on its own thread; its result or failure lands in {@code outcome}. */
	private Thread callInBackground(IpcClient client, Hang request, Duration timeout,
			CompletableFuture<Object> outcome) {
		Thread thread = new Thread(() -> {
			try {
				outcome.complete(client.call(request, HOST, timeout));
			}
			catch (Throwable ex) {
				outcome.completeExceptionally(ex);
			}
		}, "sync-caller-" + threads.size());
		threads.add(thread);
		thread.start();
		return thread;
	}

	private static Throwable failureOf(CompletableFuture<Object> outcome) {
		return outcome.handle((value, failure) -> failure).orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
	}

	@Test
	void theCallingThreadReadsItsOwnResponseAndOtherTrafficIsDeliveredAsBefore() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(hostTransport);
		SocketTransport alphaTransport = connectedPeer(hostTransport, "alpha");
		// direct dispatch: a subscriber runs on the thread that delivered the message
		List<String> deliveredOn = new CopyOnWriteArrayList<>();
		IpcClient alpha = SocketTestSupport
			.withCrypto(IpcClient.builder().backend(alphaTransport).name("alpha").directDispatch(true))
			.build();
		alpha.subscribeAll(message -> deliveredOn.add(Thread.currentThread().getName()));
		alpha.start();
		try {
			for (int i = 0; i < 20; i++) {
				EchoReply reply = alpha.call(new Echo("n" + i), HOST);
				assertThat(reply.text()).isEqualTo("n" + i);
				assertThat(reply.by()).isEqualTo("host");
			}
			// the responses (subscribeAll sees them) were delivered on the caller's
			// thread
			assertThat(deliveredOn).contains(Thread.currentThread().getName());
			assertThat(alphaTransport.callerReading()).isNull();

			// nobody calls now: the I/O thread reads again
			CountDownLatch greeted = new CountDownLatch(1);
			alpha.subscribe(Greeting.class, message -> greeted.countDown());
			host.send(new Greeting("after"), ALPHA);
			assertThat(greeted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
			// and the future API still works beside it
			assertThat(alpha.request(new Echo("f"), HOST).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).text())
				.isEqualTo("f");
		}
		finally {
			alpha.close();
		}
	}

	@Test
	void aCallerThatTimesOutWhileReadingHandsTheReadSideBack() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(hostTransport);
		SocketTransport alphaTransport = connectedPeer(hostTransport, "alpha");
		IpcClient alpha = fx.client(alphaTransport);
		TypedSubscription<Greeting> greetings = alpha.subscribe(Greeting.class);

		assertThatThrownBy(() -> alpha.call(new Hang("x"), HOST, Duration.ofMillis(300)))
			.isInstanceOf(RpcTimeoutException.class);

		assertThat(alphaTransport.callerReading()).isNull();
		host.send(new Greeting("still read"), ALPHA);
		assertThat(greetings.receive(WAIT).payload().text()).isEqualTo("still read");
		assertThat(alpha.call(new Echo("again"), HOST).text()).isEqualTo("again");
	}

	@Test
	void anInterruptedCallerHandsTheReadSideToTheNextCallerThenBackToTheLoop() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(hostTransport);
		SocketTransport alphaTransport = connectedPeer(hostTransport, "alpha");
		IpcClient alpha = fx.client(alphaTransport);
		TypedSubscription<Greeting> greetings = alpha.subscribe(Greeting.class);

		CompletableFuture<Object> first = new CompletableFuture<>();
		Thread leader = callInBackground(alpha, new Hang("1"), Duration.ofMinutes(5), first);
		await().atMost(WAIT).until(() -> alphaTransport.callerReading() == leader);
		CompletableFuture<Object> second = new CompletableFuture<>();
		Thread follower = callInBackground(alpha, new Hang("2"), Duration.ofMinutes(5), second);
		await().atMost(WAIT).until(() -> follower.getState() == Thread.State.TIMED_WAITING);

		// while the leader reads, messages for others are delivered
		host.send(new Greeting("read by the leader"), ALPHA);
		assertThat(greetings.receive(WAIT).payload().text()).isEqualTo("read by the leader");

		leader.interrupt();
		assertThat(failureOf(first)).isInstanceOf(InterruptedException.class);
		await().atMost(WAIT).until(() -> alphaTransport.callerReading() == follower);
		host.send(new Greeting("read by the follower"), ALPHA);
		assertThat(greetings.receive(WAIT).payload().text()).isEqualTo("read by the follower");

		follower.interrupt();
		assertThat(failureOf(second)).isInstanceOf(InterruptedException.class);
		await().atMost(WAIT).until(() -> alphaTransport.callerReading() == null);
		host.send(new Greeting("read by the loop"), ALPHA);
		assertThat(greetings.receive(WAIT).payload().text()).isEqualTo("read by the loop");
		assertThat(alpha.call(new Echo("after"), HOST).text()).isEqualTo("after");
	}

	@Test
	void concurrentCallersSubscribersAndAHandlerOnOneClient() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(hostTransport);
		SocketTransport alphaTransport = connectedPeer(hostTransport, "alpha");
		int callers = 4;
		int calls = 150;
		int greetings = 300;
		// beta's one-way greetings are not paced by alpha's subscriber: on a loaded
		// machine the threads reading alpha's connection can deliver more than 50 of them
		// before the subscriber's worker runs, and a subscription's queue (default 50, as
		// the reference's broadcast channel) drops its oldest message when full, by
		// design. This test is about the read turn delivering every frame, so the queue
		// can hold them all, and a loss would be counted
		IpcClient alpha = fx.client(alphaTransport, b -> b.subscriberQueueCapacity(greetings));
		SocketTransport betaTransport = connectedPeer(hostTransport, "beta");
		IpcClient beta = fx.client(betaTransport);
		await().atMost(WAIT).until(() -> alphaTransport.reachableEndpoints().contains(Endpoint.named("beta")));
		CountDownLatch greeted = new CountDownLatch(greetings);
		AtomicLong lost = new AtomicLong();
		alpha.subscribe(Greeting.class, new TypedMessageListener<Greeting>() {

			@Override
			public void onMessage(TypedIncomingMessage<Greeting> message) {
				greeted.countDown();
			}

			@Override
			public void onMessagesLost(long count) {
				lost.addAndGet(count);
			}

		});
		AtomicReference<Throwable> failed = new AtomicReference<>();
		List<Thread> workers = new ArrayList<>();
		for (int c = 0; c < callers; c++) {
			int caller = c;
			workers.add(new Thread(() -> {
				try {
					for (int i = 0; i < calls; i++) {
						String text = caller + ":" + i;
						EchoReply reply = alpha.call(new Echo(text), HOST);
						if (!reply.text().equals(text)) {
							throw new AssertionError("got " + reply.text() + " for " + text);
						}
					}
				}
				catch (Throwable ex) {
					failed.compareAndSet(null, ex);
				}
			}, "caller-" + c));
		}
		// beta calls alpha's handler and greets alpha meanwhile, so alpha's callers read
		// requests and messages that are not theirs
		Thread betaSide = new Thread(() -> {
			try {
				for (int i = 0; i < greetings; i++) {
					beta.send(new Greeting("g" + i), ALPHA);
					if (i % 3 == 0) {
						EchoReply reply = beta.call(new Echo("b" + i), ALPHA);
						if (!reply.by().equals("alpha")) {
							throw new AssertionError("answered by " + reply.by());
						}
					}
				}
			}
			catch (Throwable ex) {
				failed.compareAndSet(null, ex);
			}
		}, "beta-side");
		workers.add(betaSide);
		workers.forEach(Thread::start);
		for (Thread worker : workers) {
			worker.join(TimeUnit.MINUTES.toMillis(2));
			assertThat(worker.isAlive()).as(worker.getName() + " finished").isFalse();
		}
		assertThat(failed.get()).isNull();
		boolean allGreeted = greeted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(lost).as("greetings dropped by the subscription's queue").hasValue(0);
		assertThat(allGreeted).as("all %d greetings delivered (%d missing)", greetings, greeted.getCount()).isTrue();
		assertThat(alphaTransport.callerReading()).isNull();
		assertThat(host.rpcHandlerNames()).contains("Echo");
		assertThat(hostTransport.reachableEndpoints()).containsAll(Set.of(ALPHA, Endpoint.named("beta")));
	}

	@Test
	void theHostsOwnClientWaitsForItsResponse() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		IpcClient host = fx.client(hostTransport);
		SocketTransport alphaTransport = connectedPeer(hostTransport, "alpha");
		fx.client(alphaTransport);
		// a host has no connection of its own to read: the call waits for the I/O thread
		for (int i = 0; i < 20; i++) {
			EchoReply reply = host.call(new Echo("h" + i), ALPHA);
			assertThat(reply.text()).isEqualTo("h" + i);
			assertThat(reply.by()).isEqualTo("alpha");
		}
		assertThatThrownBy(() -> host.call(new Hang("x"), ALPHA, Duration.ofMillis(200)))
			.isInstanceOf(RpcTimeoutException.class);
	}

	@Test
	void aSpinningCallerGetsItsResponse() throws Exception {
		SocketTransport hostTransport = fx.transport("host", Role.HOST);
		fx.client(hostTransport);
		SocketTransport alphaTransport = connectedPeer(hostTransport, "alpha");
		IpcClientBuilder builder = IpcClient.builder()
			.backend(alphaTransport)
			.name("alpha")
			.rpcSpin(Duration.ofMillis(1));
		try (IpcClient alpha = SocketTestSupport.withCrypto(builder).build()) {
			alpha.start();
			for (int i = 0; i < 20; i++) {
				assertThat(alpha.call(new Echo("s" + i), HOST).text()).isEqualTo("s" + i);
			}
			assertThatThrownBy(() -> alpha.call(new Hang("x"), HOST, Duration.ofMillis(200)))
				.isInstanceOf(RpcTimeoutException.class);
		}
	}

	@Test
	void aHostThatDiesWhileACallerReadsFailsTheCallAtOnce() throws Exception {
		NodeProcess hostProcess = NodeProcess.start(Role.HOST, fx.socket(), "host");
		try {
			hostProcess.awaitReady(Duration.ofSeconds(60));
			SocketTransport alphaTransport = fx.transport("alpha", Role.PEER,
					b -> b.initialBackoff(Duration.ofSeconds(30)).maxBackoff(Duration.ofSeconds(30)));
			await().atMost(WAIT).until(alphaTransport::isConnected);
			IpcClient alpha = fx.client(alphaTransport);
			assertThat(alpha.call(new Echo("up"), HOST).by()).isEqualTo("host");

			CompletableFuture<Object> outcome = new CompletableFuture<>();
			Thread caller = callInBackground(alpha, new Hang("x"), Duration.ofMinutes(5), outcome);
			await().atMost(WAIT).until(() -> alphaTransport.callerReading() == caller);
			hostProcess.kill();

			assertThat(failureOf(outcome)).isInstanceOf(IpcUnreachableException.class);
			await().atMost(WAIT).until(() -> alphaTransport.callerReading() == null);
		}
		finally {
			hostProcess.kill();
		}
	}

}
