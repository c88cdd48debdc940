package dev.ipc.nativemessaging.install;

/** A browser whose native messaging host manifests the installer writes. */
public enum Browser {

	/**
	 * Google Chrome. Its manifest lists {@code allowed_origins}
	 * ({@code chrome-extension://<id>/}).
	 */
	CHROME,

	/**
	 * Chromium (Debian's {@code chromium}, and the basis of others). Same manifest as
	 * Chrome.
	 */
	CHROMIUM,

	/** Mozilla Firefox. Its manifest lists {@code allowed_extensions} (add-on ids). */
	FIREFOX;

	/**
	 * Whether the manifest names extensions by origin (Chromium family) rather than
	 * add-on id (Firefox).
	 */
	public boolean usesOrigins() {
		return this != FIREFOX;
	}

	/** Parses {@code chrome}, {@code chromium} or {@code firefox} (any case). */
	public static Browser parse(String name) {
		return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
	}

}
