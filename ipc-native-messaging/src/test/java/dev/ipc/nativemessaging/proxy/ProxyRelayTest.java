package dev.ipc.nativemessaging.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.nativemessaging.BrowserExtensionPeer;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;

/**
 * The proxy between a simulated browser (two OS pipes) and a real socket-transport host
 * in this JVM.
 */
class ProxyRelayTest {

	private static final String ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";

	@TempDir
	Path temp;

	@Test
	void relaysBothWaysAndTheBrowsersLastMessagesBeforeItLeaves() throws Exception {
		Path socket = temp.resolve("app.sock");
		try (SocketTransport app = SocketTransport.open(SocketTransportOptions.builder()
			.endpoint(Endpoint.DESKTOP_MAIN)
			.unixSocket(socket)
			.role(SocketTransportOptions.Role.HOST)
			.build());
				SocketTransport other = SocketTransport.open(SocketTransportOptions.builder()
					.endpoint(Endpoint.named("other"))
					.unixSocket(socket)
					.role(SocketTransportOptions.Role.PEER)
					.build())) {
			BackendReceiver appInbox = app.subscribe();
			List<Endpoint> departed = new CopyOnWriteArrayList<>();
			app.addDisconnectListener(departed::add);
			Pipe toProxy = Pipe.open();
			Pipe toBrowser = Pipe.open();
			OutputStream browserWrites = Channels.newOutputStream(toProxy.sink());
			InputStream browserReads = Channels.newInputStream(toBrowser.source());
			CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> NativeMessagingProxy.run(
					new String[] { "--socket", socket.toString(), "--allowed-origin", ORIGIN, "--", ORIGIN },
					Channels.newInputStream(toProxy.source()), Channels.newOutputStream(toBrowser.sink())));

			assertThat(read(browserReads)).isEqualTo("{\"type\":\"native-messaging-ready\"}");
			write(browserWrites, "{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\","
					+ "\"payload\":[1,2],\"topic\":\"up\"}}");
			IncomingMessage up = appInbox.receive(Duration.ofSeconds(30));
			assertThat(up.topic()).isEqualTo("up");
			assertThat(up.payload()).containsExactly(1, 2);
			BrowserExtensionPeer peer = BrowserExtensionPeer.of(up.source()).orElseThrow();
			assertThat(peer.origin()).isEqualTo(ORIGIN);
			assertThat(peer.user()).isEqualTo(System.getProperty("user.name"));

			// a peer the extension never addressed is not relayed; the application it
			// addressed is
			other.send(new OutgoingMessage(new byte[] { 9 }, peer.endpoint(), "unasked"));
			app.send(new OutgoingMessage(new byte[] { 3 }, peer.endpoint(), "down"));
			assertThat(read(browserReads)).isEqualTo("{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":"
					+ "{\"BrowserBackground\":{\"id\":\"Own\"}},\"payload\":[3],\"topic\":\"down\"}}");

			// the extension's last message, then it closes the port: the message arrives,
			// then the peer leaves
			write(browserWrites, "{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\","
					+ "\"payload\":[4],\"topic\":\"last\"}}");
			browserWrites.close();
			assertThat(exit.get()).isZero();
			assertThat(appInbox.receive(Duration.ofSeconds(30)).topic()).isEqualTo("last");
			await().until(() -> departed.contains(peer.endpoint()));
		}
	}

	private static void write(OutputStream out, String json) throws Exception {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		out.write(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(body.length).array());
		out.write(body);
		out.flush();
	}

	private static String read(InputStream in) throws Exception {
		int length = ByteBuffer.wrap(in.readNBytes(4)).order(ByteOrder.nativeOrder()).getInt();
		return new String(in.readNBytes(length), StandardCharsets.UTF_8);
	}

}
