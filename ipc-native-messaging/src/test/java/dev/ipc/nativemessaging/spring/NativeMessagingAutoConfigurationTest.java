package dev.ipc.nativemessaging.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.ipc.model.Source;
import dev.ipc.nativemessaging.BrowserExtensionPeer;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;

class NativeMessagingAutoConfigurationTest {

	private static final String ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";

	@TempDir
	Path temp;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(IpcAutoConfiguration.class, NativeMessagingAutoConfiguration.class))
		.withPropertyValues("ipc.endpoint=app", "ipc.transport.type=in-memory", "ipc.crypto.provider=none");

	@Test
	void providesThePeersBeanHealthAndNothingInstalledByDefault() {
		runner.withPropertyValues("ipc.native-messaging.allowed-origins=" + ORIGIN).run(context -> {
			assertThat(context).hasNotFailed()
				.hasSingleBean(BrowserExtensionPeers.class)
				.hasSingleBean(NativeMessagingHealthIndicator.class)
				.doesNotHaveBean(NativeMessagingMetrics.class);
			BrowserExtensionPeers peers = context.getBean(BrowserExtensionPeers.class);
			assertThat(peers.connected()).isEmpty();
			Health health = context.getBean(NativeMessagingHealthIndicator.class).health(true);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("allowedOrigins", java.util.List.of(ORIGIN));
		});
	}

	@Test
	void backsOffWhenDisabled() {
		runner.withPropertyValues("ipc.native-messaging.enabled=false")
			.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(BrowserExtensionPeers.class));
	}

	@Test
	void installsTheManifestOnStartupAndReportsIt() {
		Path manifests = temp.resolve("profile/NativeMessagingHosts");
		Path launcher = temp.resolve("host");
		runner.withUserConfiguration(Meters.class)
			.withPropertyValues("ipc.native-messaging.host-name=com.example.vault",
					"ipc.native-messaging.allowed-origins=" + ORIGIN, "ipc.native-messaging.launcher-path=" + launcher,
					"ipc.native-messaging.install=true", "ipc.native-messaging.browsers=chromium,chrome",
					"ipc.native-messaging.manifest-directory=" + manifests)
			.run(context -> {
				assertThat(context).hasNotFailed();
				assertThat(manifests.resolve("com.example.vault.json")).content()
					.contains(ORIGIN)
					.contains("\"path\" : \"" + launcher + "\"");
				Health health = context.getBean(NativeMessagingHealthIndicator.class).health(true);
				// the launcher was not written (write-launcher is off): browsers could
				// not start it
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(health.getDetails()).containsEntry("launcherExecutable", false)
					.containsEntry("manifestsInstalled", Map.of("chrome", true, "chromium", true));
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				context.getBean(NativeMessagingMetrics.class).bindTo(registry); // Boot's
																				// metrics
																				// auto-configuration
																				// does
																				// this
				assertThat(registry.get("ipc.native-messaging.manifest.installed")
					.tag("browser", "chromium")
					.gauge()
					.value()).isEqualTo(1.0);
				assertThat(registry.get("ipc.native-messaging.extensions").gauge().value()).isZero();
				Files.writeString(launcher, "#!/bin/sh\n");
				launcher.toFile().setExecutable(true);
				assertThat(context.getBean(NativeMessagingHealthIndicator.class).health(true).getStatus())
					.isEqualTo(Status.UP);
			});
	}

	@Test
	void anIncompleteInstallFailsStartupSayingWhatIsMissing() {
		runner.withPropertyValues("ipc.native-messaging.install=true", "ipc.native-messaging.allowed-origins=" + ORIGIN)
			.run(context -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("ipc.native-messaging.install needs ipc.native-messaging.host-name"));
	}

	@Test
	void writingTheLauncherNeedsTheSocketTransport() {
		runner.withPropertyValues("ipc.native-messaging.install=true", "ipc.native-messaging.write-launcher=true",
				"ipc.native-messaging.host-name=com.example.vault", "ipc.native-messaging.allowed-origins=" + ORIGIN,
				"ipc.native-messaging.launcher-path=" + temp.resolve("host"),
				"ipc.native-messaging.manifest-directory=" + temp.resolve("m"))
			.run(context -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("needs the unix or tcp transport"));
	}

	@Test
	void checksTheOriginOfABrowserExtensionSource() {
		runner
			.withPropertyValues(
					"ipc.native-messaging.allowed-origins=chrome-extension://abcdefghijklmnopabcdefghijklmnop")
			.run(context -> {
				BrowserExtensionPeers peers = context.getBean(BrowserExtensionPeers.class);
				Source allowed = new BrowserExtensionPeer(1, ORIGIN, "alice").source();
				Source other = new BrowserExtensionPeer(1, "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba/", null)
					.source();
				assertThat(peers.isAllowed(allowed)).isTrue();
				assertThat(peers.requireAllowed(allowed).user()).isEqualTo("alice");
				assertThat(peers.isAllowed(other)).isFalse();
				assertThat(peers.isAllowed(Source.DESKTOP_MAIN)).isFalse();
				org.assertj.core.api.Assertions.assertThatThrownBy(() -> peers.requireAllowed(other))
					.isInstanceOf(SecurityException.class);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class Meters {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

}
