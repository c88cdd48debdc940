package dev.ipc.nativemessaging.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.nativemessaging.install.Browser;
import dev.ipc.nativemessaging.install.HostManifest;
import dev.ipc.nativemessaging.install.LauncherScript;
import dev.ipc.nativemessaging.install.ManifestInstaller;
import dev.ipc.nativemessaging.install.ManifestLocation;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.transport.socket.SocketTransport;

/**
 * Installs the manifest (and optionally the launcher) from
 * {@link NativeMessagingProperties} on startup, and reports what is installed for health
 * and metrics. A failed install fails startup with the reason.
 */
public final class NativeMessagingInstallation {

	private static final Logger log = LoggerFactory.getLogger(NativeMessagingInstallation.class);

	private final NativeMessagingProperties properties;

	private final ManifestInstaller installer;

	private final CommunicationBackend backend;

	NativeMessagingInstallation(NativeMessagingProperties properties, ManifestInstaller installer,
			CommunicationBackend backend) {
		this.properties = properties;
		this.installer = installer;
		this.backend = backend;
	}

	/**
	 * Writes what {@code ipc.native-messaging.install} asks for; does nothing when it is
	 * off.
	 */
	void installIfRequested() {
		if (!properties.install()) {
			return;
		}
		String name = required(properties.hostName(), "ipc.native-messaging.host-name");
		Path launcher = required(properties.launcherPath(), "ipc.native-messaging.launcher-path").toAbsolutePath();
		if (properties.allowedOrigins().isEmpty()) {
			throw new IllegalStateException("ipc.native-messaging.install needs ipc.native-messaging.allowed-origins");
		}
		try {
			if (properties.writeLauncher()) {
				LauncherScript.write(launcher, Path.of(System.getProperty("java.home"), "bin", "java"),
						System.getProperty("java.class.path"), proxyArguments());
			}
			HostManifest manifest = new HostManifest(name, properties.description(), launcher,
					properties.allowedOrigins());
			for (Browser browser : properties.browsers()) {
				if (manifest.allowedFor(browser).isEmpty()) {
					continue;
				}
				Path file = properties.manifestDirectory() != null
						? installer.install(manifest, browser, properties.manifestDirectory())
						: installer.install(manifest, browser, properties.scope());
				log.info("Installed the native messaging host manifest {} for {}", file, browser);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Installing the native messaging host " + name + " failed", ex);
		}
	}

	/**
	 * The proxy options that reach this application's socket transport and carry the
	 * allow-list.
	 */
	List<String> proxyArguments() {
		List<String> args = new ArrayList<>();
		if (!(backend instanceof SocketTransport socket)) {
			throw new IllegalStateException("ipc.native-messaging.write-launcher needs the unix or tcp transport");
		}
		Path path = socket.options().unixSocket();
		if (path != null) {
			args.add("--socket");
			args.add(path.toAbsolutePath().toString());
		}
		else {
			args.add("--tcp");
			args.add(Integer.toString(socket.localTcpPort()));
		}
		for (String origin : properties.allowedOrigins()) {
			args.add("--allowed-origin");
			args.add(origin);
		}
		return args;
	}

	/**
	 * For each configured browser, whether its manifest is installed and points at the
	 * launcher.
	 */
	Map<Browser, Boolean> manifests() {
		Map<Browser, Boolean> installed = new EnumMap<>(Browser.class);
		String name = properties.hostName();
		Path launcher = properties.launcherPath();
		if (name == null || launcher == null) {
			return installed;
		}
		for (Browser browser : properties.browsers()) {
			Path directory = properties.manifestDirectory();
			if (directory == null) {
				ManifestLocation location = installer.location(browser, properties.scope());
				directory = location.directory();
			}
			installed.put(browser,
					directory != null && ManifestInstaller.isInstalled(directory, name, launcher.toAbsolutePath()));
		}
		return installed;
	}

	/** Whether the launcher is configured and executable. */
	boolean launcherExecutable() {
		Path launcher = properties.launcherPath();
		return launcher != null && Files.isExecutable(launcher);
	}

	NativeMessagingProperties properties() {
		return properties;
	}

	private static <T> T required(@Nullable T value, String property) {
		if (value == null) {
			throw new IllegalStateException("ipc.native-messaging.install needs " + property);
		}
		return value;
	}

}
