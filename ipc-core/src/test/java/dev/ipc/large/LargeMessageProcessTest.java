package dev.ipc.large;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ipc.client.IpcClient;
import dev.ipc.large.LargePayloads.Blob;
import dev.ipc.large.LargePayloads.BlobReply;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.IpcException;
import dev.ipc.testing.ChildJvm;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;
import dev.ipc.transport.socket.SocketTransportOptions.Role;

/**
 * Issue 11: messages of 1 B, 65,519 B (one Noise frame), 65,520 B (the first that is
 * fragmented), 1 MiB and 16 MiB between two JVMs over the Unix socket, with the Noise
 * provider on both sides: pub/sub both ways and RPC both ways (request and response of
 * that size), compared by SHA-256. This JVM is the host, the child a peer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LargeMessageProcessTest {

	private static final Duration START = Duration.ofSeconds(90);

	private static final Duration WAIT = Duration.ofSeconds(120);

	private static final Endpoint CHILD = Endpoint.named("large");

	@TempDir
	static Path dir;

	private SocketTransport host;

	private IpcClient hostClient;

	private ChildJvm child;

	private final LinkedBlockingQueue<IncomingMessage> received = new LinkedBlockingQueue<>();

	@BeforeAll
	void start() throws Exception {
		host = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.named("host"))
			.unixSocket(dir.resolve("ipc.sock"))
			.role(Role.HOST)
			.build());
		hostClient = IpcClient.builder()
			.backend(host)
			.name("large-host")
			.maxMessageSize(LargePayloads.MAX_MESSAGE_SIZE)
			.build();
		hostClient.registerRpcHandler(Blob.class, (request, context) -> LargePayloads.answer(request));
		hostClient.subscribe(LargePayloads.TOPIC, received::add);
		hostClient.start();
		child = ChildJvm.start("large", LargeMessageNode.class, List.of(dir.resolve("ipc.sock").toString(), "large"));
		child.awaitLine(0, l -> l.equals("READY large"), START);
	}

	@AfterAll
	void stop() throws Exception {
		if (child != null) {
			child.close();
		}
		hostClient.close();
		host.close();
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 65_519, 65_520, 1024 * 1024, 16 * 1024 * 1024 })
	void thePeerPublishesToTheHost(int size) throws Exception {
		received.clear();
		assertThat(child.call("pub " + size, WAIT)).isEqualTo("PUB-OK");
		IncomingMessage message = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
		assertThat(message).as("the host got the message").isNotNull();
		assertThat(message.topic()).isEqualTo(LargePayloads.TOPIC);
		assertThat(message.source().toEndpoint()).isEqualTo(CHILD);
		assertThat(message.payload()).hasSize(size);
		assertThat(LargePayloads.sha256(message.payload()))
			.isEqualTo(LargePayloads.sha256(LargePayloads.pattern(size, size)));
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 65_519, 65_520, 1024 * 1024, 16 * 1024 * 1024 })
	void theHostPublishesToThePeer(int size) {
		byte[] payload = LargePayloads.pattern(size, size);
		int mark = child.mark();
		hostClient.send(new OutgoingMessage(payload, CHILD, LargePayloads.TOPIC));
		child.awaitLine(mark, l -> l.equals("GOT " + size + " " + LargePayloads.sha256(payload)), WAIT);
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 65_519, 65_520, 1024 * 1024, 16 * 1024 * 1024 })
	void thePeerCallsTheHostWithALargeRequestAndResponse(int size) throws Exception {
		String answer = child.call("rpc " + size + " " + size, WAIT);
		assertThat(answer).isEqualTo("RPC-OK " + size + " " + LargePayloads.sha256(LargePayloads.pattern(size, size))
				+ " " + LargePayloads.sha256(LargePayloads.pattern(size, size)));
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 65_519, 65_520, 1024 * 1024, 16 * 1024 * 1024 })
	void theHostCallsThePeerWithALargeRequestAndResponse(int size) throws Exception {
		byte[] data = LargePayloads.pattern(size, size);
		BlobReply reply = hostClient.request(new Blob(data, size), CHILD, WAIT).get(WAIT.toSeconds(), TimeUnit.SECONDS);
		assertThat(reply.requestLength()).isEqualTo(size);
		assertThat(reply.requestSha256()).isEqualTo(LargePayloads.sha256(data));
		assertThat(LargePayloads.sha256(reply.data())).isEqualTo(LargePayloads.sha256(data));
	}

	@Test
	void aMessageOverTheLimitIsRefusedBeforeAnythingIsSentAndTheLinkStillWorks() throws Exception {
		int over = LargePayloads.MAX_MESSAGE_SIZE + 1;
		assertThatThrownBy(() -> hostClient.send(new OutgoingMessage(new byte[over], CHILD, LargePayloads.TOPIC)))
			.isInstanceOf(IpcException.class)
			.hasMessageContaining("over the largest message size of " + LargePayloads.MAX_MESSAGE_SIZE);
		assertThat(child.call("pub " + over, WAIT)).startsWith("PUB-ERR IpcException")
			.contains("over the largest message size");
		thePeerPublishesToTheHost(65_520);
	}

}
