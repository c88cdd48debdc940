package dev.ipc.nativemessaging.spring;

import java.util.Locale;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.ipc.nativemessaging.install.Browser;

/**
 * Meters of the native messaging setup: {@code ipc.native-messaging.extensions} (gauge:
 * browser extensions connected now) and {@code ipc.native-messaging.manifest.installed}
 * (gauge per {@code browser} tag: 1 when the manifest is installed and points at the
 * launcher, else 0).
 */
public final class NativeMessagingMetrics implements MeterBinder {

	private final NativeMessagingInstallation installation;

	private final BrowserExtensionPeers peers;

	NativeMessagingMetrics(NativeMessagingInstallation installation, BrowserExtensionPeers peers) {
		this.installation = installation;
		this.peers = peers;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("ipc.native-messaging.extensions", peers, p -> p.connected().size())
			.description("Browser extensions connected through native messaging")
			.register(registry);
		for (Browser browser : installation.properties().browsers()) {
			Gauge
				.builder("ipc.native-messaging.manifest.installed", installation,
						i -> Boolean.TRUE.equals(i.manifests().get(browser)) ? 1 : 0)
				.tag("browser", browser.name().toLowerCase(Locale.ROOT))
				.description("Whether the native messaging host manifest is installed for the browser")
				.register(registry);
		}
	}

}
