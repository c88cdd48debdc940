package dev.ipc.nativemessaging.install;

import java.util.Locale;

/** An operating system, as far as manifest locations differ. */
public enum Platform {

	/** Linux and other free Unix desktops (XDG-style locations). */
	LINUX,

	/** macOS. */
	MACOS,

	/** Windows: manifests are found through the registry. */
	WINDOWS;

	/**
	 * The platform this JVM runs on (anything that is neither Windows nor macOS counts as
	 * Linux).
	 */
	public static Platform current() {
		String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
		if (os.startsWith("windows")) {
			return WINDOWS;
		}
		if (os.startsWith("mac") || os.contains("darwin")) {
			return MACOS;
		}
		return LINUX;
	}

}
