package dev.ipc.nativemessaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ipc.client.IpcClient;
import dev.ipc.crypto.NoEncryptionCryptoProvider;
import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.session.InMemorySessionRepository;

/**
 * Host mode: the browser starts the Java program, whose IpcClient runs on the backend
 * directly (plaintext here, so the simulated browser can write an RPC request by hand;
 * the real-browser test covers Noise).
 */
class HostModeTest {

	private static final String ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";

	@IpcPayload("test.add")
	record Add(int a, int b) implements RpcRequest<Sum> {
	}

	record Sum(int sum) {
	}

	@Test
	void anIpcClientAnswersTheExtensionsRpcAndLearnsWhenItLeaves() throws Exception {
		HostLaunch launch = HostLaunch.parse(List.of(ORIGIN)).requireAllowed(List.of(ORIGIN));
		Pipe toHost = Pipe.open();
		Pipe toBrowser = Pipe.open();
		OutputStream browserWrites = Channels.newOutputStream(toHost.sink());
		InputStream browserReads = Channels.newInputStream(toBrowser.source());
		BrowserExtensionPeer peer = new BrowserExtensionPeer(1, launch.origin(), null);
		try (NativeMessagingBackend backend = NativeMessagingBackend.open(NativeMessagingOptions.builder(peer)
			.streams(Channels.newInputStream(toHost.source()), Channels.newOutputStream(toBrowser.sink()))
			.build());
				IpcClient client = IpcClient.builder()
					.backend(backend)
					.crypto(new NoEncryptionCryptoProvider(), new InMemorySessionRepository<>())
					.build()) {
			client.registerRpcHandler(Add.class, (request, context) -> {
				assertThat(BrowserExtensionPeer.of(context.source())).contains(peer);
				return new Sum(request.a() + request.b());
			});
			client.start();
			backend.announceReady();
			assertThat(read(browserReads)).isEqualTo("{\"type\":\"native-messaging-ready\"}");

			String request = "{\"request\":{\"a\":2,\"b\":3},\"request_id\":\"r1\",\"request_type\":\"test.add\","
					+ "\"response_topic\":\"RpcResponseMessage:r1\"}";
			write(browserWrites, "{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":\"DesktopMain\","
					+ "\"payload\":" + numbers(request) + ",\"topic\":\"RpcRequestMessage\"}}");
			String response = read(browserReads);
			assertThat(response)
				.startsWith("{\"type\":\"bitwarden-ipc-message\",\"message\":{\"destination\":"
						+ "{\"BrowserBackground\":{\"id\":\"Own\"}},\"payload\":[")
				.endsWith(",\"topic\":\"RpcResponseMessage:r1\"}}");
			String body = text(response.substring(response.indexOf("[") + 1, response.indexOf("]")));
			assertThat(body).contains("\"result\":{\"Ok\":{\"sum\":5}}").contains("\"request_id\":\"r1\"");

			browserWrites.close();
			assertThat(backend.browserClosed().get()).isEqualTo("the browser closed the pipe");
		}
	}

	private static String numbers(String text) {
		StringBuilder out = new StringBuilder("[");
		for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
			out.append(out.length() > 1 ? "," : "").append(b & 0xFF);
		}
		return out.append("]").toString();
	}

	private static String text(String numbers) {
		String[] parts = numbers.split(",");
		byte[] bytes = new byte[parts.length];
		for (int i = 0; i < parts.length; i++) {
			bytes[i] = (byte) Integer.parseInt(parts[i]);
		}
		return new String(bytes, StandardCharsets.UTF_8);
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
