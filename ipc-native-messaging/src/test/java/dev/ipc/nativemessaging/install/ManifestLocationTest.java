package dev.ipc.nativemessaging.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where every browser looks on every platform, as data. */
class ManifestLocationTest {

	private static final Path HOME = Path.of("/home/alice");

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			LINUX   | CHROME   | USER   | /home/alice/.config/google-chrome/NativeMessagingHosts
			LINUX   | CHROME   | SYSTEM | /etc/opt/chrome/native-messaging-hosts
			LINUX   | CHROMIUM | USER   | /home/alice/.config/chromium/NativeMessagingHosts
			LINUX   | CHROMIUM | SYSTEM | /etc/chromium/native-messaging-hosts
			LINUX   | FIREFOX  | USER   | /home/alice/.mozilla/native-messaging-hosts
			LINUX   | FIREFOX  | SYSTEM | /usr/lib/mozilla/native-messaging-hosts
			MACOS   | CHROME   | USER   | /home/alice/Library/Application Support/Google/Chrome/NativeMessagingHosts
			MACOS   | CHROME   | SYSTEM | /Library/Google/Chrome/NativeMessagingHosts
			MACOS   | CHROMIUM | USER   | /home/alice/Library/Application Support/Chromium/NativeMessagingHosts
			MACOS   | CHROMIUM | SYSTEM | /Library/Application Support/Chromium/NativeMessagingHosts
			MACOS   | FIREFOX  | USER   | /home/alice/Library/Application Support/Mozilla/NativeMessagingHosts
			MACOS   | FIREFOX  | SYSTEM | /Library/Application Support/Mozilla/NativeMessagingHosts
			""")
	void directories(Platform platform, Browser browser, InstallScope scope, String directory) {
		ManifestLocation location = ManifestLocation.of(browser, platform, scope, HOME);
		assertThat(location.directory()).isEqualTo(Path.of(directory));
		assertThat(location.registryKey()).isNull();
		assertThat(location.manifestFile("com.example.vault")).isEqualTo(Path.of(directory, "com.example.vault.json"));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			CHROME   | USER   | HKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts
			CHROME   | SYSTEM | HKEY_LOCAL_MACHINE\\Software\\Google\\Chrome\\NativeMessagingHosts
			CHROMIUM | USER   | HKEY_CURRENT_USER\\Software\\Chromium\\NativeMessagingHosts
			CHROMIUM | SYSTEM | HKEY_LOCAL_MACHINE\\Software\\Chromium\\NativeMessagingHosts
			FIREFOX  | USER   | HKEY_CURRENT_USER\\Software\\Mozilla\\NativeMessagingHosts
			FIREFOX  | SYSTEM | HKEY_LOCAL_MACHINE\\Software\\Mozilla\\NativeMessagingHosts
			""")
	void windowsRegistryKeys(Browser browser, InstallScope scope, String key) {
		ManifestLocation location = ManifestLocation.of(browser, Platform.WINDOWS, scope, HOME);
		assertThat(location.registryKey()).isEqualTo(key);
		assertThat(location.directory()).isNull();
	}

}
