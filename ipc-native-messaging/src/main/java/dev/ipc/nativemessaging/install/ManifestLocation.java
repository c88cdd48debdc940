package dev.ipc.nativemessaging.install;

import java.nio.file.Path;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Where one browser looks for host manifests on one platform and scope: a directory that
 * holds {@code <host-name>.json} (Linux, macOS), or on Windows a registry key
 * {@code <key>\<host-name>} whose default value is the full path of the manifest file
 * (which may then live anywhere).
 *
 * @param browser the browser
 * @param platform the platform
 * @param scope user or system
 * @param directory the manifest directory, or {@code null} on Windows
 * @param registryKey the registry key under which the host name is a subkey (Windows), or
 * {@code null}
 */
public record ManifestLocation(Browser browser, Platform platform, InstallScope scope, @Nullable Path directory,
		@Nullable String registryKey) {

	public ManifestLocation {
		Objects.requireNonNull(browser, "browser");
		Objects.requireNonNull(platform, "platform");
		Objects.requireNonNull(scope, "scope");
		if ((directory == null) == (registryKey == null)) {
			throw new IllegalArgumentException("exactly one of directory and registryKey");
		}
	}

	/** The manifest file for {@code hostName}, for a directory location. */
	public Path manifestFile(String hostName) {
		if (directory == null) {
			throw new UnsupportedOperationException("On Windows the manifest may be anywhere; register its path under "
					+ registryKey + "\\" + hostName);
		}
		return directory.resolve(hostName + ".json");
	}

	/**
	 * Where a manifest for a browser lives, on a platform, for a scope. {@code home} is
	 * the user's home directory (used for the {@code USER} scope on Linux and macOS).
	 */
	public static ManifestLocation of(Browser browser, Platform platform, InstallScope scope, Path home) {
		boolean user = scope == InstallScope.USER;
		return switch (platform) {
			case LINUX -> new ManifestLocation(browser, platform, scope, switch (browser) {
				case CHROME -> user ? home.resolve(".config/google-chrome/NativeMessagingHosts")
						: Path.of("/etc/opt/chrome/native-messaging-hosts");
				case CHROMIUM -> user ? home.resolve(".config/chromium/NativeMessagingHosts")
						: Path.of("/etc/chromium/native-messaging-hosts");
				case FIREFOX -> user ? home.resolve(".mozilla/native-messaging-hosts")
						: Path.of("/usr/lib/mozilla/native-messaging-hosts");
			}, null);
			case MACOS -> new ManifestLocation(browser, platform, scope, switch (browser) {
				case CHROME -> user ? home.resolve("Library/Application Support/Google/Chrome/NativeMessagingHosts")
						: Path.of("/Library/Google/Chrome/NativeMessagingHosts");
				case CHROMIUM -> user ? home.resolve("Library/Application Support/Chromium/NativeMessagingHosts")
						: Path.of("/Library/Application Support/Chromium/NativeMessagingHosts");
				case FIREFOX -> user ? home.resolve("Library/Application Support/Mozilla/NativeMessagingHosts")
						: Path.of("/Library/Application Support/Mozilla/NativeMessagingHosts");
			}, null);
			case WINDOWS -> new ManifestLocation(browser, platform, scope, null,
					(user ? "HKEY_CURRENT_USER" : "HKEY_LOCAL_MACHINE") + switch (browser) {
						case CHROME -> "\\Software\\Google\\Chrome\\NativeMessagingHosts";
						case CHROMIUM -> "\\Software\\Chromium\\NativeMessagingHosts";
						case FIREFOX -> "\\Software\\Mozilla\\NativeMessagingHosts";
					});
		};
	}

	/**
	 * The manifest directory of a browser profile started with {@code --user-data-dir=
	 *
	<dir>
	 * } (Chrome and Chromium look there first, so a test or a portable install needs no
	 * system or home location).
	 */
	public static Path userDataDirectory(Path userDataDir) {
		return userDataDir.resolve("NativeMessagingHosts");
	}

}
