package dev.ipc.nativemessaging.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.nativemessaging.BrowserExtensionPeer;
import dev.ipc.nativemessaging.install.Browser;
import dev.ipc.nativemessaging.install.HostManifest;
import dev.ipc.nativemessaging.install.LauncherScript;
import dev.ipc.nativemessaging.install.ManifestInstaller;
import dev.ipc.nativemessaging.install.ManifestLocation;
import dev.ipc.spi.CommunicationBackend;

/**
 * A real headless Chromium loads the test extension, whose service worker runs the
 * Bitwarden SDK's web build as an IpcClient over {@code connectNative}; Chromium starts
 * the proxy launcher (a real JVM) that the Spring application installed, and the proxy
 * relays into the application's Unix socket. Checked from the Java side: Discover both
 * ways, typed pub/sub both ways, an RPC answered by an {@code @IpcRpcHandler}, an origin
 * not on a host's allow-list refused, and the extension closing its port seen by the
 * application as the peer leaving.
 *
 * <p>
 * Needs Debian's {@code chromium} ({@code apt-get install -y chromium}) and this module's
 * {@code npm ci}: without them it fails, saying so; it never skips.
 */
class RealBrowserNativeMessagingTest {

	private static final Duration PATIENCE = Duration.ofSeconds(120);

	@TempDir
	Path temp;

	@Test
	void aBitwardenSdkClientInChromiumTalksToTheSpringApplication() throws Exception {
		HeadlessChromium.binary(); // fail first, and clearly, without a browser
		TestExtension extension = TestExtension.create(temp.resolve("extension"));
		Path profile = temp.resolve("profile");
		Path manifests = ManifestLocation.userDataDirectory(profile);
		Path socket = temp.resolve("app.sock");

		// a second host whose allow-list does not hold the extension (the browser may
		// start it; it must refuse)
		Path refusedLauncher = LauncherScript.write(temp.resolve("refused-host"),
				Path.of(System.getProperty("java.home"), "bin", "java"), System.getProperty("java.class.path"),
				List.of("--socket", socket.toString(), "--allowed-origin",
						"chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"));
		new ManifestInstaller().install(new HostManifest("dev.ipc.test.refused", "refuses the test extension",
				refusedLauncher, List.of(extension.origin())), Browser.CHROMIUM, manifests);

		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(BrowserTestApp.class)
			.web(WebApplicationType.NONE)
			.properties("ipc.endpoint=DesktopMain", "ipc.transport.type=unix", "ipc.transport.role=host",
					"ipc.transport.path=" + socket, "ipc.discover.version=java-app-1.0",
					"ipc.native-messaging.host-name=dev.ipc.test.good",
					"ipc.native-messaging.allowed-origins=" + extension.origin(),
					"ipc.native-messaging.launcher-path=" + temp.resolve("good-host"),
					"ipc.native-messaging.install=true", "ipc.native-messaging.write-launcher=true",
					"ipc.native-messaging.browsers=chromium", "ipc.native-messaging.manifest-directory=" + manifests)
			.run()) {
			assertThat(manifests.resolve("dev.ipc.test.good.json")).exists();
			assertThat(Files.isExecutable(temp.resolve("good-host"))).isTrue();
			BrowserTestApp.Observations seen = app.getBean(BrowserTestApp.Observations.class);
			List<Endpoint> departed = new CopyOnWriteArrayList<>();
			app.getBean(CommunicationBackend.class).addDisconnectListener(departed::add);

			try (HeadlessChromium chromium = HeadlessChromium.start(profile, extension.directory(),
					temp.resolve("chromium.log"))) {
				try {
					await().atMost(PATIENCE).until(() -> !seen.reports.isEmpty());
					BrowserTestApp.Report report = seen.reports.get(0);
					assertThat(report.errors()).isEmpty();
					assertThat(report.sdk()).isTrue();

					// Discover, extension -> Java (answered by the application's built-in
					// handler)
					assertThat(report.discoveredVersion()).isEqualTo("java-app-1.0");

					// typed pub/sub, extension -> Java, with a verified source naming the
					// extension's origin
					assertThat(seen.hellos).containsExactly("hello from the extension");
					Source source = seen.helloSources.get(0);
					BrowserExtensionPeer peer = BrowserExtensionPeer.of(source).orElseThrow();
					assertThat(peer.origin()).isEqualTo(extension.origin());
					assertThat(peer.user()).isEqualTo(System.getProperty("user.name"));

					// typed pub/sub, Java -> extension
					assertThat(report.echo())
						.isEqualTo(Map.of("reply", "hello from Java", "origin", extension.origin()));

					// an RPC answered by the @IpcRpcHandler, in the SDK's response format
					assertThat(seen.rpcRequests).containsExactly(new BrowserTestApp.Add(20, 22));
					assertThat(report.rpc()).containsEntry("request_type", "test.add")
						.containsEntry("result", Map.of("Ok", Map.of("sum", 42, "allowedOrigin", true)));

					// Discover, Java -> extension (the SDK's handler in the service
					// worker)
					await().atMost(PATIENCE).until(() -> !seen.extensionVersions.isEmpty() || !seen.failures.isEmpty());
					assertThat(seen.failures).isEmpty();
					assertThat(seen.extensionVersions).containsExactly("test-extension-1.0");

					// the host with another allow-list told the browser why, and exited
					assertThat(report.refused()).containsEntry("notice",
							Map.of("type", "native-messaging-error", "error", "origin-not-allowed", "message",
									"the origin " + extension.origin() + " is not on this host's allow-list"));
					assertThat((String) report.refused().get("lastError")).contains("Native host has exited");

					// the extension closed its port: the application sees the peer leave
					await().atMost(PATIENCE).until(() -> departed.contains(peer.endpoint()));
					assertThat(app.getBean(CommunicationBackend.class).reachableEndpoints())
						.doesNotContain(peer.endpoint());
				}
				catch (AssertionError | RuntimeException ex) {
					chromium.keepLog();
					throw new AssertionError(
							ex.getMessage() + "\n--- observed: hellos=" + seen.hellos + " reports=" + seen.reports
									+ " failures=" + seen.failures + "\n--- Chromium's log:\n" + chromium.logTail(),
							ex);
				}
			}
		}
	}

}
