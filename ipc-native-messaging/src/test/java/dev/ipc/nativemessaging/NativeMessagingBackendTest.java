package dev.ipc.nativemessaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;

/** The backend against a simulated browser on two OS pipes. */
class NativeMessagingBackendTest {

	private static final BrowserExtensionPeer PEER = new BrowserExtensionPeer(7,
			"chrome-extension://abcdefghijklmnopabcdefghijklmnop/", null);

	private final NativeMessagingFrames frames = new NativeMessagingFrames(ByteOrder.nativeOrder());

	private OutputStream browserWrites;

	private InputStream browserReads;

	private NativeMessagingBackend backend;

	private final List<Endpoint> departed = new CopyOnWriteArrayList<>();

	@BeforeEach
	void open() throws IOException {
		open(NativeMessagingOptions.HOST_TO_BROWSER_LIMIT, 8);
	}

	private void open(int maxOutgoing, int queue) throws IOException {
		open(maxOutgoing, queue, NativeMessagingOptions.DEFAULT_OUTBOUND_QUEUE_MAX_BYTES);
	}

	private void open(int maxOutgoing, int queue, long queueBytes) throws IOException {
		if (backend != null) {
			backend.close();
		}
		Pipe toHost = Pipe.open();
		Pipe toBrowser = Pipe.open();
		browserWrites = Channels.newOutputStream(toHost.sink());
		browserReads = Channels.newInputStream(toBrowser.source());
		backend = NativeMessagingBackend.open(NativeMessagingOptions.builder(PEER)
			.streams(Channels.newInputStream(toHost.source()), Channels.newOutputStream(toBrowser.sink()))
			.maxIncomingBytes(4096)
			.maxOutgoingBytes(maxOutgoing)
			.outboundQueueCapacity(queue)
			.outboundQueueMaxBytes(queueBytes)
			.build());
		backend.addDisconnectListener(departed::add);
	}

	@AfterEach
	void close() {
		backend.close();
	}

	@Test
	void deliversTheExtensionsMessagesWithItsSource() throws Exception {
		BackendReceiver receiver = backend.subscribe();
		browserSends("{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\","
				+ "\"payload\":[1,2,3],\"topic\":\"t\"}}");
		IncomingMessage message = receiver.receive(Duration.ofSeconds(10));
		assertThat(message)
			.isEqualTo(new IncomingMessage(new byte[] { 1, 2, 3 }, Endpoint.DESKTOP_MAIN, PEER.source(), "t"));
		assertThat(backend.stats().received()).isEqualTo(1);
	}

	@Test
	void holdsMessagesThatArriveBeforeTheFirstReceiver() throws Exception {
		browserSends(
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[9]}}");
		await().until(() -> backend.stats().received() == 1);
		assertThat(backend.subscribe().receive(Duration.ofSeconds(10)).payload()).containsExactly(9);
	}

	@Test
	void sendsToTheBrowserInTheWrapper() throws Exception {
		backend.send(new OutgoingMessage(new byte[] { 5, (byte) 200 }, PEER.endpoint(), "topic"));
		assertThat(new String(frames.read(browserReads, 1 << 20), StandardCharsets.UTF_8))
			.isEqualTo("{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":{\"BrowserBackground\":"
					+ "{\"id\":\"Own\"}},\"payload\":[5,200],\"topic\":\"topic\"}}");
	}

	@Test
	void reachesOnlyItsExtension() {
		assertThat(backend.reachableEndpoints()).containsExactly(PEER.endpoint());
		assertThatThrownBy(() -> backend.send(new OutgoingMessage(new byte[0], Endpoint.named("worker"), null)))
			.isInstanceOf(IpcUnreachableException.class);
		assertThatThrownBy(
				() -> backend.send(new OutgoingMessage(new byte[0], new Endpoint.BrowserBackground(HostId.OWN), null)))
			.isInstanceOf(IpcUnreachableException.class);
	}

	@Test
	void refusesAMessageOverTheBrowsersLimitClearly() throws Exception {
		open(2048, 8);
		// 600 bytes of 255 are 2400 characters of JSON
		assertThatThrownBy(() -> backend.send(new OutgoingMessage(filled(600), PEER.endpoint(), null)))
			.isInstanceOfSatisfying(IpcException.class, ex -> assertThat(ex.kind()).isEqualTo(ErrorKind.OTHER))
			.hasMessageContaining("over the browser's limit of 2048 bytes")
			.hasMessageContaining("not fragmented");
		assertThat(backend.stats().oversizedOutgoing()).isEqualTo(1);
		backend.send(new OutgoingMessage(filled(10), PEER.endpoint(), null));
		assertThat(frames.read(browserReads, 1 << 20)).isNotNull();
	}

	@Test
	void theDefaultOutgoingLimitIsTheBrowsersMebibyte() {
		NativeMessagingOptions options = NativeMessagingOptions.builder(PEER).build();
		assertThat(options.maxOutgoingBytes()).isEqualTo(1024 * 1024);
		assertThatThrownBy(() -> NativeMessagingOptions.builder(PEER).maxOutgoingBytes(1024 * 1024 + 1).build())
			.isInstanceOf(IllegalArgumentException.class);
		// 300 000 bytes of 255 are 1.2 MB of JSON: refused by the default limit
		assertThat(BitwardenWrapper.encode(Endpoint.DESKTOP_MAIN, filled(300_000), null).length)
			.isGreaterThan(options.maxOutgoingBytes());
	}

	@Test
	void skipsAnOversizedMessageFromTheBrowserAndKeepsGoing() throws Exception {
		BackendReceiver receiver = backend.subscribe();
		frames.write(browserWrites, new byte[5000]);
		browserSends(
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[1]}}");
		assertThat(receiver.receive(Duration.ofSeconds(10)).payload()).containsExactly(1);
		assertThat(backend.stats().oversizedIncoming()).isEqualTo(1);
	}

	@Test
	void ignoresMessagesThatAreNotIpcMessages() throws Exception {
		BackendReceiver receiver = backend.subscribe();
		browserSends("{\"type\":\"hello\"}");
		browserSends(
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[2]}}");
		assertThat(receiver.receive(Duration.ofSeconds(10)).payload()).containsExactly(2);
		assertThat(backend.stats().ignoredIncoming()).isEqualTo(1);
	}

	@Test
	void aBrowserClosingMidMessageIsThePeerLeaving() throws Exception {
		BackendReceiver receiver = backend.subscribe();
		browserSends(
				"{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\",\"payload\":[3]}}");
		byte[] frame = new byte[] { 100, 0, 0, 0, '{', '"' };
		browserWrites.write(frame, 0, 6);
		browserWrites.close();
		assertThat(backend.browserClosed().get()).contains("inside a message (2 of ");
		assertThat(departed).containsExactly(PEER.endpoint());
		assertThat(backend.isConnected()).isFalse();
		assertThat(backend.reachableEndpoints()).isEmpty();
		// what arrived before is still delivered
		assertThat(receiver.receive(Duration.ofSeconds(10)).payload()).containsExactly(3);
		assertThatThrownBy(() -> backend.send(new OutgoingMessage(new byte[0], PEER.endpoint(), null)))
			.isInstanceOf(IpcUnreachableException.class);
	}

	@Test
	void aBrowserClosingBetweenMessagesIsThePeerLeaving() throws Exception {
		browserWrites.close();
		assertThat(backend.browserClosed().get()).isEqualTo("the browser closed the pipe");
		assertThat(departed).containsExactly(PEER.endpoint());
	}

	@Test
	void aFullOutboundQueueFailsTheSend() throws Exception {
		open(NativeMessagingOptions.HOST_TO_BROWSER_LIMIT, 2);
		// the browser does not read: the OS pipe fills, then the queue
		byte[] big = filled(60_000);
		assertThatThrownBy(() -> {
			for (int i = 0; i < 1000; i++) {
				backend.send(new OutgoingMessage(big, PEER.endpoint(), null));
			}
		}).isInstanceOf(IpcException.class).hasMessageContaining("queue of messages to the browser is full");
	}

	@Test
	void theOutboundQueueIsBoundedInBytesToo() throws Exception {
		open(NativeMessagingOptions.HOST_TO_BROWSER_LIMIT, 100_000, NativeMessagingOptions.HOST_TO_BROWSER_LIMIT);
		byte[] big = filled(60_000); // 240 KB of JSON each
		assertThatThrownBy(() -> {
			for (int i = 0; i < 1000; i++) {
				backend.send(new OutgoingMessage(big, PEER.endpoint(), null));
			}
		}).isInstanceOf(IpcException.class).hasMessageContaining("or 1048576 bytes");
		assertThatThrownBy(() -> NativeMessagingOptions.builder(PEER).outboundQueueMaxBytes(1000).build())
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("at least one message");
	}

	@Test
	void closeEndsItsThreads() {
		backend.close();
		await().until(() -> Thread.getAllStackTraces()
			.keySet()
			.stream()
			.noneMatch(t -> t.getName().startsWith("ipc-native-messaging-") && t.getName().endsWith("-7")));
		assertThat(backend.browserClosed()).isDone();
	}

	private void browserSends(String json) throws IOException {
		frames.write(browserWrites, json.getBytes(StandardCharsets.UTF_8));
	}

	private static byte[] filled(int length) {
		byte[] bytes = new byte[length];
		java.util.Arrays.fill(bytes, (byte) 255);
		return bytes;
	}

}
