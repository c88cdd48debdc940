package dev.ipc.nativemessaging.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestInstallerTest {

	private static final String ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";

	@TempDir
	Path home;

	private final Path launcher = Path.of("/opt/vault/native-host");

	@Test
	void writesEachBrowsersFormat() {
		HostManifest manifest = new HostManifest("com.example.vault", "Vault", launcher,
				List.of("chrome-extension://abcdefghijklmnopabcdefghijklmnop", "vault@example.com"));
		assertThat(manifest.toJson(Browser.CHROMIUM)).isEqualTo("""
				{
				  "name" : "com.example.vault",
				  "description" : "Vault",
				  "path" : "/opt/vault/native-host",
				  "type" : "stdio",
				  "allowed_origins" : [ "chrome-extension://abcdefghijklmnopabcdefghijklmnop/" ]
				}
				""");
		assertThat(manifest.toJson(Browser.FIREFOX)).contains("\"allowed_extensions\" : [ \"vault@example.com\" ]")
			.doesNotContain("allowed_origins");
	}

	@Test
	void checksTheHostName() {
		for (String bad : new String[] { "", "Com.Example", "com..example", ".com", "com.", "com-example", "com/x" }) {
			assertThatThrownBy(() -> HostManifest.checkName(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
		}
		HostManifest.checkName("com.example.vault_2");
		assertThatThrownBy(() -> new HostManifest("a.b", "d", Path.of("relative"), List.of(ORIGIN)))
			.hasMessageContaining("absolute");
		assertThatThrownBy(() -> new HostManifest("a.b", "d", launcher, List.of()))
			.hasMessageContaining("at least one");
		assertThatThrownBy(() -> new HostManifest("a.b", "d", launcher, List.of(ORIGIN)).toJson(Browser.FIREFOX))
			.hasMessageContaining("add-on id");
	}

	@Test
	void installsIntoTheUsersLinuxLocations() throws Exception {
		ManifestInstaller installer = new ManifestInstaller(Platform.LINUX, home);
		HostManifest manifest = new HostManifest("com.example.vault", "Vault", launcher, List.of(ORIGIN));
		List<Path> written = installer.install(manifest, EnumSet.allOf(Browser.class), InstallScope.USER);
		assertThat(written).containsExactly(
				home.resolve(".config/google-chrome/NativeMessagingHosts/com.example.vault.json"),
				home.resolve(".config/chromium/NativeMessagingHosts/com.example.vault.json"));
		assertThat(ManifestInstaller.isInstalled(home.resolve(".config/chromium/NativeMessagingHosts"),
				"com.example.vault", launcher))
			.isTrue();
		assertThat(ManifestInstaller.isInstalled(home.resolve(".config/chromium/NativeMessagingHosts"),
				"com.example.vault", Path.of("/elsewhere")))
			.isFalse();
		try (var files = Files.list(home.resolve(".config/chromium/NativeMessagingHosts"))) {
			assertThat(files).hasSize(1); // no temporary file left
		}
		assertThat(installer.uninstall("com.example.vault", Browser.CHROMIUM, InstallScope.USER)).isTrue();
		assertThat(installer.uninstall("com.example.vault", Browser.CHROMIUM, InstallScope.USER)).isFalse();
	}

	@Test
	void onWindowsNamesTheRegistryKeyInsteadOfGuessing() {
		ManifestInstaller installer = new ManifestInstaller(Platform.WINDOWS, home);
		HostManifest manifest = new HostManifest("com.example.vault", "Vault", launcher, List.of(ORIGIN));
		assertThatThrownBy(() -> installer.install(manifest, Browser.CHROME, InstallScope.USER))
			.isInstanceOf(UnsupportedOperationException.class)
			.hasMessageContaining(
					"HKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts\\com.example.vault");
	}

	@Test
	void theCommandInstallsIntoADirectory() throws Exception {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		Path dir = home.resolve("profile/NativeMessagingHosts");
		int code = ManifestInstallerCommand.run(
				new String[] { "install", "--name", "com.example.vault", "--launcher", launcher.toString(),
						"--allowed-origin", ORIGIN, "--browser", "chromium", "--dir", dir.toString() },
				new ManifestInstaller(Platform.LINUX, home), new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8));
		assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
		assertThat(dir.resolve("com.example.vault.json")).content().contains(ORIGIN);
		assertThat(ManifestInstallerCommand.run(new String[] { "install", "--name", "Bad" },
				new ManifestInstaller(Platform.LINUX, home), new PrintStream(out), new PrintStream(err)))
			.isEqualTo(2);
	}

	@Test
	void writesAnOwnerOnlyLauncherThatQuotesItsArguments() throws Exception {
		Path script = LauncherScript.write(home.resolve("bin/host"), Path.of("/usr/bin/java"), "/a b/x.jar:/c'd.jar",
				List.of("--socket", "/run/user/1000/app.sock", "--allowed-origin", ORIGIN));
		assertThat(script).content()
			.isEqualTo("#!/bin/sh\n# Native messaging host launcher (written by dev.ipc's "
					+ "ManifestInstaller): the browser starts it with the caller's origin.\n"
					+ "exec '/usr/bin/java' '-cp' '/a b/x.jar:/c'\\''d.jar' 'dev.ipc.nativemessaging.proxy.NativeMessagingProxy'"
					+ " '--socket' '/run/user/1000/app.sock' '--allowed-origin' '" + ORIGIN + "' '--' \"$@\"\n");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(script))).isEqualTo("rwx------");
	}

}
