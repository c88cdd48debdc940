package dev.ipc.nativemessaging.spring;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.ipc.nativemessaging.install.Browser;
import dev.ipc.nativemessaging.install.InstallScope;

/**
 * {@code ipc.native-messaging.*}: how browser extensions reach this application through
 * the native messaging proxy. Nothing is installed unless {@code install} is set.
 *
 * @param enabled whether the native messaging support is active
 * @param hostName the native messaging host name extensions pass to {@code connectNative}
 * (lowercase letters, digits, '_' and '.')
 * @param description the manifest's description
 * @param allowedOrigins extension origins ({@code chrome-extension://<id>/}) and Firefox
 * add-on ids that may connect; written into the manifest and the launcher, and checked by
 * {@link BrowserExtensionPeers#isAllowed}
 * @param launcherPath the absolute path of the proxy launcher the manifest points at
 * @param install whether to write the manifest (and, with {@code writeLauncher}, the
 * launcher) on startup
 * @param writeLauncher whether the startup install also writes the launcher script,
 * running this JVM's java with this application's class path and socket
 * @param browsers the browsers to install for
 * @param scope user (the default) or system locations
 * @param manifestDirectory write the manifest into this directory instead of the
 * browsers' standard locations (for a browser profile started with
 * {@code --user-data-dir})
 */
@ConfigurationProperties("ipc.native-messaging")
public record NativeMessagingProperties(@DefaultValue("true") boolean enabled, @Nullable String hostName,
		@DefaultValue("IPC native messaging host") String description, @DefaultValue List<String> allowedOrigins,
		@Nullable Path launcherPath, @DefaultValue("false") boolean install,
		@DefaultValue("false") boolean writeLauncher, @DefaultValue( {
				"chrome", "chromium", "firefox" }) Set<Browser> browsers,
		@DefaultValue("user") InstallScope scope, @Nullable Path manifestDirectory){

	public NativeMessagingProperties {
		allowedOrigins = List.copyOf(allowedOrigins);
		browsers = Set.copyOf(browsers);
	}

}
