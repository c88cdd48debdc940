package dev.ipc.nativemessaging.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The installer as a command:
 *
 * <pre>
 * java -cp ... dev.ipc.nativemessaging.install.ManifestInstallerCommand install --name com.example.vault
 *     --launcher /opt/vault/native-host --allowed-origin chrome-extension://ID/ [--allowed-origin addon@example.com]
 *     [--browser chrome|chromium|firefox]... [--scope user|system] [--dir DIRECTORY] [--description TEXT]
 * ... uninstall --name com.example.vault [--browser ...] [--scope user|system]
 * ... locations --name com.example.vault     (where each browser looks, on every platform)
 * </pre>
 *
 * Without {@code --browser} it acts on all three browsers (skipping those no allowed
 * entry fits); {@code --dir} writes into one directory instead of the standard locations.
 * Exit code 0 on success, 1 on an I/O failure, 2 on a bad command line (the message says
 * what).
 */
public final class ManifestInstallerCommand {

	private ManifestInstallerCommand() {
	}

	/** Runs the command and exits with its code. */
	public static void main(String[] args) {
		System.exit(run(args, new ManifestInstaller(), System.out, System.err));
	}

	/** Runs the command; returns the exit code. */
	public static int run(String[] args, ManifestInstaller installer, PrintStream out, PrintStream err) {
		if (args.length == 0) {
			err.println("usage: install|uninstall|locations --name HOST [options], see the class's documentation");
			return 2;
		}
		String name = null;
		Path launcher = null;
		Path dir = null;
		String description = "IPC native messaging host";
		InstallScope scope = InstallScope.USER;
		List<String> allowed = new ArrayList<>();
		Set<Browser> browsers = EnumSet.noneOf(Browser.class);
		try {
			for (int i = 1; i < args.length; i += 2) {
				if (i + 1 >= args.length) {
					throw new IllegalArgumentException("option " + args[i] + " needs a value");
				}
				String value = args[i + 1];
				switch (args[i]) {
					case "--name" -> name = value;
					case "--launcher" -> launcher = Path.of(value).toAbsolutePath();
					case "--dir" -> dir = Path.of(value);
					case "--description" -> description = value;
					case "--scope" -> scope = InstallScope.valueOf(value.toUpperCase(java.util.Locale.ROOT));
					case "--allowed-origin" -> allowed.add(value);
					case "--browser" -> browsers.add(Browser.parse(value));
					default -> throw new IllegalArgumentException("unknown option " + args[i]);
				}
			}
			if (name == null) {
				throw new IllegalArgumentException("--name is required");
			}
			HostManifest.checkName(name);
			if (browsers.isEmpty()) {
				browsers = EnumSet.allOf(Browser.class);
			}
			switch (args[0]) {
				case "install" -> {
					if (launcher == null) {
						throw new IllegalArgumentException("--launcher is required");
					}
					HostManifest manifest = new HostManifest(name, description, launcher, allowed);
					for (Browser browser : browsers) {
						if (manifest.allowedFor(browser).isEmpty()) {
							out.println("skipped " + browser.name().toLowerCase() + ": no allowed entry for it");
							continue;
						}
						Path file = dir != null ? installer.install(manifest, browser, dir)
								: installer.install(manifest, browser, scope);
						out.println("wrote " + file);
					}
				}
				case "uninstall" -> {
					for (Browser browser : browsers) {
						if (installer.uninstall(name, browser, scope)) {
							out.println("removed " + installer.location(browser, scope).manifestFile(name));
						}
					}
				}
				case "locations" -> {
					for (Platform platform : Platform.values()) {
						for (Browser browser : browsers) {
							for (InstallScope s : InstallScope.values()) {
								ManifestLocation location = ManifestLocation.of(browser, platform, s, Path.of("~"));
								out.println(platform + " " + browser + " " + s + ": " + (location.directory() != null
										? location.manifestFile(name) : location.registryKey() + "\\" + name));
							}
						}
					}
				}
				default -> throw new IllegalArgumentException("unknown command " + args[0]);
			}
			return 0;
		}
		catch (IllegalArgumentException | UnsupportedOperationException ex) {
			err.println(ex.getMessage());
			return 2;
		}
		catch (IOException ex) {
			err.println("failed: " + ex);
			return 1;
		}
	}

}
