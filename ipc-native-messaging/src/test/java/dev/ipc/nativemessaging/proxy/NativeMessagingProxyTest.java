package dev.ipc.nativemessaging.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.model.Endpoint;

class NativeMessagingProxyTest {

	private static final String ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";

	@TempDir
	Path temp;

	@Test
	void parsesItsOptionsAndTheBrowsersArguments() {
		ProxyArguments args = ProxyArguments.parse(new String[] { "--socket", "/run/app.sock", "--allowed-origin",
				ORIGIN, "--app-endpoint", "DesktopMain", "--connect-timeout", "3", "--", ORIGIN, "--parent-window=0" });
		assertThat(args.socket()).isEqualTo(Path.of("/run/app.sock"));
		assertThat(args.allowedOrigins()).containsExactly(ORIGIN);
		assertThat(args.appEndpoint()).isEqualTo(Endpoint.DESKTOP_MAIN);
		assertThat(args.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(args.browserArguments()).containsExactly(ORIGIN, "--parent-window=0");
		assertThat(ProxyArguments.parse(new String[] { "--tcp", "4000", "--allowed-origin", ORIGIN, ORIGIN })
			.browserArguments()).containsExactly(ORIGIN);
		assertThatThrownBy(() -> ProxyArguments.parse(new String[] { "--allowed-origin", ORIGIN }))
			.hasMessageContaining("--socket");
		assertThatThrownBy(() -> ProxyArguments.parse(new String[] { "--socket", "/s" }))
			.hasMessageContaining("--allowed-origin");
		assertThatThrownBy(() -> ProxyArguments.parse(new String[] { "--socket" }))
			.hasMessageContaining("needs a value");
	}

	@Test
	void refusesAnOriginNotOnItsListAndTellsTheBrowser() {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		int code = NativeMessagingProxy.run(
				new String[] { "--socket", temp.resolve("none.sock").toString(), "--allowed-origin",
						"chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba/", "--", ORIGIN },
				new ByteArrayInputStream(new byte[0]), out);
		assertThat(code).isEqualTo(3);
		assertThat(onlyFrame(out)).isEqualTo("{\"type\":\"native-messaging-error\",\"error\":\"origin-not-allowed\","
				+ "\"message\":\"the origin " + ORIGIN + " is not on this host's allow-list\"}");
	}

	@Test
	void saysSoWhenTheApplicationIsNotRunning() {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		int code = NativeMessagingProxy.run(new String[] { "--socket", temp.resolve("none.sock").toString(),
				"--allowed-origin", ORIGIN, "--connect-timeout", "1", "--", ORIGIN },
				new ByteArrayInputStream(new byte[0]), out);
		assertThat(code).isEqualTo(4);
		assertThat(onlyFrame(out)).startsWith("{\"type\":\"native-messaging-error\",\"error\":\"app-unreachable\"");
	}

	@Test
	void aBadCommandLineWritesNothingToTheBrowser() {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		assertThat(
				NativeMessagingProxy.run(new String[] { "--bogus", "x" }, new ByteArrayInputStream(new byte[0]), out))
			.isEqualTo(2);
		assertThat(out.size()).isZero();
	}

	private static String onlyFrame(ByteArrayOutputStream out) {
		byte[] bytes = out.toByteArray();
		int length = ByteBuffer.wrap(bytes, 0, 4).order(ByteOrder.nativeOrder()).getInt();
		assertThat(bytes).hasSize(4 + length);
		return new String(bytes, 4, length, StandardCharsets.UTF_8);
	}

}
