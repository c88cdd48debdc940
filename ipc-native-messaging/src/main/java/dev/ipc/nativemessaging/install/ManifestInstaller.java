package dev.ipc.nativemessaging.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes and removes native messaging host manifests. On Linux and macOS it writes
 * {@code <name>.json} into each browser's directory for the scope
 * ({@link ManifestLocation#of}), or into a given directory (a {@code --user-data-dir}
 * profile's {@code NativeMessagingHosts}); the file is written to a temporary file and
 * moved into place, so a browser never reads half a manifest. On Windows the registry is
 * involved, which this class does not write:
 * {@link #install(HostManifest, Browser, InstallScope)} fails there with
 * {@link UnsupportedOperationException} naming the key to set. I/O failures (no
 * permission for a system location, say) are {@link IOException}s.
 */
public final class ManifestInstaller {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private final Platform platform;

	private final Path home;

	/** An installer for this machine's platform and the user's home directory. */
	public ManifestInstaller() {
		this(Platform.current(), Path.of(System.getProperty("user.home")));
	}

	/**
	 * An installer for the given platform and home directory (tests, or installing for
	 * another user).
	 */
	public ManifestInstaller(Platform platform, Path home) {
		this.platform = Objects.requireNonNull(platform, "platform");
		this.home = Objects.requireNonNull(home, "home");
	}

	/**
	 * Where {@code browser} looks for manifests in {@code scope} on this installer's
	 * platform.
	 */
	public ManifestLocation location(Browser browser, InstallScope scope) {
		return ManifestLocation.of(browser, platform, scope, home);
	}

	/**
	 * Installs the manifest for one browser in its standard location.
	 * @return the manifest file written
	 * @throws UnsupportedOperationException on Windows (the registry must point at the
	 * file)
	 */
	public Path install(HostManifest manifest, Browser browser, InstallScope scope) throws IOException {
		ManifestLocation location = location(browser, scope);
		if (location.directory() == null) {
			throw new UnsupportedOperationException("On Windows, write the manifest with install(manifest, browser, "
					+ "directory) and set the default value of " + location.registryKey() + "\\" + manifest.name()
					+ " to its full path");
		}
		return install(manifest, browser, location.directory());
	}

	/**
	 * Installs the manifest for several browsers; a browser none of whose allowed entries
	 * is of its kind is skipped.
	 * @return the manifest files written
	 */
	public List<Path> install(HostManifest manifest, Collection<Browser> browsers, InstallScope scope)
			throws IOException {
		List<Path> written = new ArrayList<>();
		for (Browser browser : browsers) {
			if (!manifest.allowedFor(browser).isEmpty()) {
				written.add(install(manifest, browser, scope));
			}
		}
		return written;
	}

	/**
	 * Installs the manifest for {@code browser} into {@code directory} (created if
	 * missing).
	 */
	public Path install(HostManifest manifest, Browser browser, Path directory) throws IOException {
		String json = manifest.toJson(browser);
		Files.createDirectories(directory);
		Path target = directory.resolve(manifest.name() + ".json");
		Path temp = Files.createTempFile(directory, "." + manifest.name(), ".tmp");
		try {
			Files.writeString(temp, json, StandardCharsets.UTF_8);
			try {
				Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			}
			catch (AtomicMoveNotSupportedException ex) {
				Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
			}
		}
		finally {
			Files.deleteIfExists(temp);
		}
		return target;
	}

	/**
	 * Removes the manifest for {@code hostName} from {@code browser}'s location in
	 * {@code scope}.
	 * @return whether a file was removed
	 */
	public boolean uninstall(String hostName, Browser browser, InstallScope scope) throws IOException {
		HostManifest.checkName(hostName);
		ManifestLocation location = location(browser, scope);
		return location.directory() != null && Files.deleteIfExists(location.manifestFile(hostName));
	}

	/**
	 * Whether {@code directory} holds a manifest for {@code hostName} that starts
	 * {@code launcher}. An unreadable or malformed file counts as not installed.
	 */
	public static boolean isInstalled(Path directory, String hostName, Path launcher) {
		Path file = directory.resolve(hostName + ".json");
		if (!Files.isRegularFile(file)) {
			return false;
		}
		try {
			JsonNode json = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
			JsonNode path = json.get("path");
			JsonNode name = json.get("name");
			return path != null && name != null && hostName.equals(name.asString())
					&& launcher.toString().equals(path.asString());
		}
		catch (IOException | JacksonException ex) {
			return false;
		}
	}

}
