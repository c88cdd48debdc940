package dev.ipc.nativemessaging.spring;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.ipc.nativemessaging.BrowserExtensionPeer;
import dev.ipc.nativemessaging.install.Browser;

/**
 * Health of the native messaging setup ({@code nativeMessaging}): UP when no launcher is
 * configured or it is executable, DOWN when the configured launcher is missing or not
 * executable (browsers could not start it). Details: host name, allowed origins,
 * launcher, per browser whether the manifest is installed and points at the launcher, and
 * the connected extensions (origins and connection numbers only).
 */
public final class NativeMessagingHealthIndicator extends AbstractHealthIndicator {

	private final NativeMessagingInstallation installation;

	private final BrowserExtensionPeers peers;

	NativeMessagingHealthIndicator(NativeMessagingInstallation installation, BrowserExtensionPeers peers) {
		super("Native messaging health check failed");
		this.installation = installation;
		this.peers = peers;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		NativeMessagingProperties properties = installation.properties();
		boolean launcherOk = properties.launcherPath() == null || installation.launcherExecutable();
		if (launcherOk) {
			builder.up();
		}
		else {
			builder.down();
		}
		if (properties.hostName() != null) {
			builder.withDetail("hostName", properties.hostName());
		}
		builder.withDetail("allowedOrigins", properties.allowedOrigins());
		if (properties.launcherPath() != null) {
			builder.withDetail("launcher", properties.launcherPath().toString());
			builder.withDetail("launcherExecutable", installation.launcherExecutable());
		}
		Map<String, Boolean> manifests = new LinkedHashMap<>();
		for (Map.Entry<Browser, Boolean> entry : installation.manifests().entrySet()) {
			manifests.put(entry.getKey().name().toLowerCase(java.util.Locale.ROOT), entry.getValue());
		}
		builder.withDetail("manifestsInstalled", manifests);
		List<String> connected = peers.connected().stream().map(BrowserExtensionPeer::endpointName).toList();
		builder.withDetail("connectedExtensions", connected);
	}

}
