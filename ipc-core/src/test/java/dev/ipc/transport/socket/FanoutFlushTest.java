package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * The host relaying to several recipient connections at once (fan-out): every frame the
 * loop queues for any of them during one batch is written in that batch's flush, without
 * the loop needing an unrelated event (another read, a timer, a task) to flush the rest;
 * the same when the recipients' sockets fill and each connection waits for its own
 * {@code OP_WRITE}, and when a non-loop thread (the host's own client) queues for several
 * connections while the loop flushes them. The recipients are raw clients that send
 * nothing after {@code Hello}, and the sender sends nothing after its burst, so nothing
 * but the frames under test can wake the host.
 */
class FanoutFlushTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int RECIPIENTS = 3;

	@TempDir
	Path dir;

	private SocketFixture fx;

	private final List<RawClient> clients = new ArrayList<>();

	@BeforeEach
	void setUp() {
		fx = new SocketFixture(dir.resolve("ipc.sock"));
	}

	@AfterEach
	void tearDown() throws Exception {
		for (RawClient client : clients) {
			client.close();
		}
		fx.close();
	}

	private RawClient registered(String name) throws Exception {
		RawClient client = new RawClient(fx.socket());
		clients.add(client);
		client.send(new Frame.Hello(List.of(1), Endpoint.named(name)));
		assertThat(client.nextOf(Frame.Welcome.class, WAIT)).isInstanceOf(Frame.Welcome.class);
		return client;
	}

	/** The recipients, registered before anything is sent; presence traffic settled. */
	private List<RawClient> recipients(SocketTransport host, int others) throws Exception {
		List<RawClient> recipients = new ArrayList<>();
		for (int i = 0; i < RECIPIENTS; i++) {
			recipients.add(registered("r" + i));
		}
		await().atMost(WAIT).until(() -> host.stats().connectedPeers() == RECIPIENTS + others);
		return recipients;
	}

	@Test
	void oneBatchRelayedToSeveralRecipientsReachesEveryOneOfThem() throws Exception {
		SocketTransport host = fx.transport("fanbatch", Role.HOST);
		RawClient sender = registered("sender");
		List<RawClient> recipients = recipients(host, 1);
		int perRecipient = 300;
		// one write: the host reads it in one batch and queues a Deliver for every
		// recipient, round-robin, all on its loop
		ByteArrayOutputStream burst = new ByteArrayOutputStream();
		for (int i = 0; i < perRecipient; i++) {
			for (int r = 0; r < RECIPIENTS; r++) {
				burst.write(message("r" + r, payload(200, i * RECIPIENTS + r)));
			}
		}
		sender.write(burst.toByteArray());
		for (int r = 0; r < RECIPIENTS; r++) {
			for (int i = 0; i < perRecipient; i++) {
				Frame frame = recipients.get(r).nextOf(Frame.Deliver.class, WAIT);
				assertThat(frame).as("Deliver %d to r%d", i, r).isInstanceOf(Frame.Deliver.class);
				assertThat(((Frame.Deliver) frame).payload()).isEqualTo(payload(200, i * RECIPIENTS + r));
			}
		}
		assertThat(host.stats().overflowDrops()).isZero();
		assertThat(host.stats().undeliverable()).isZero();
	}

	@Test
	void aBurstLargerThanTheSocketBuffersReachesEveryRecipientInOrder() throws Exception {
		SocketTransport host = fx.transport("fanfull", Role.HOST);
		RawClient sender = registered("sender");
		List<RawClient> recipients = recipients(host, 1);
		// 3 x 1.2 MB: every recipient's socket fills, so the host's writes to each stay
		// partial and each connection waits for its own OP_WRITE
		int perRecipient = 60;
		int size = 20_000;
		for (int i = 0; i < perRecipient; i++) {
			for (int r = 0; r < RECIPIENTS; r++) {
				sender.write(message("r" + r, payload(size, i * RECIPIENTS + r)));
			}
		}
		for (int r = 0; r < RECIPIENTS; r++) {
			for (int i = 0; i < perRecipient; i++) {
				Frame frame = recipients.get(r).nextOf(Frame.Deliver.class, WAIT);
				assertThat(frame).as("Deliver %d to r%d", i, r).isInstanceOf(Frame.Deliver.class);
				assertThat(((Frame.Deliver) frame).payload()).isEqualTo(payload(size, i * RECIPIENTS + r));
			}
		}
		assertThat(host.stats().overflowDrops()).isZero();
	}

	@Test
	void framesQueuedFromAnotherThreadForSeveralConnectionsAllLeave() throws Exception {
		SocketTransport host = fx.transport("fanown", Role.HOST);
		List<RawClient> recipients = recipients(host, 0);
		// the host's own sends run on this thread: write-through while a connection is
		// idle, queued for the loop once its socket is full, for three connections in
		// turn
		int perRecipient = 80;
		int size = 30_000;
		for (int i = 0; i < perRecipient; i++) {
			for (int r = 0; r < RECIPIENTS; r++) {
				host.send(new OutgoingMessage(payload(size, i * RECIPIENTS + r), Endpoint.named("r" + r), "t"));
			}
		}
		for (int r = 0; r < RECIPIENTS; r++) {
			for (int i = 0; i < perRecipient; i++) {
				Frame frame = recipients.get(r).nextOf(Frame.Deliver.class, WAIT);
				assertThat(frame).as("Deliver %d to r%d", i, r).isInstanceOf(Frame.Deliver.class);
				assertThat(((Frame.Deliver) frame).payload()).isEqualTo(payload(size, i * RECIPIENTS + r));
			}
		}
		assertThat(host.stats().overflowDrops()).isZero();
	}

	private static byte[] message(String to, byte[] payload) {
		return FrameCodec.message(FrameCodec.endpointBytes(Endpoint.named(to)), "t", payload);
	}

	private static byte[] payload(int size, int seed) {
		byte[] b = new byte[size];
		for (int i = 0; i < size; i++) {
			b[i] = (byte) (i * 31 + seed);
		}
		return b;
	}

}
