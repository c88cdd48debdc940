package dev.ipc.nativemessaging;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.ipc.internal.LogSafe;

/**
 * What the browser told a native messaging host on its command line, and the origin check
 * against an allow-list.
 *
 * <p>
 * Chrome and Chromium start the host with the calling extension's origin as the first
 * argument ({@code chrome-extension://<id>/}; on Windows a
 * {@code --parent-window=<handle>} follows). Firefox passes the path of the host manifest
 * first and the add-on id second. {@link #parse} recognizes both; the origin of a Firefox
 * launch is the add-on id (for example {@code vault@example.com}).
 *
 * @param browser which family started the host
 * @param origin the caller's origin (Chromium family) or add-on id (Firefox)
 */
public record HostLaunch(Family browser, String origin) {

	/** The browser family, by its command-line convention. */
	public enum Family {

		/**
		 * Chrome, Chromium, Edge, Brave...: first argument is
		 * {@code chrome-extension://<id>/}.
		 */
		CHROMIUM,
		/** Firefox: first argument is the manifest path, second the add-on id. */
		FIREFOX

	}

	/**
	 * The longest origin accepted (a Chromium origin is 52 characters; Firefox ids are
	 * short).
	 */
	public static final int MAX_ORIGIN_CHARS = 200;

	private static final String CHROME_SCHEME = "chrome-extension://";

	public HostLaunch {
		Objects.requireNonNull(browser, "browser");
		Objects.requireNonNull(origin, "origin");
	}

	/**
	 * Reads the browser's arguments.
	 * @throws OriginRefusedException if they do not look like a browser's (no origin, or
	 * a malformed one)
	 */
	public static HostLaunch parse(List<String> args) {
		if (args.isEmpty()) {
			throw new OriginRefusedException("no-origin",
					"started without the caller's origin: a browser passes it as the first argument");
		}
		String first = args.get(0);
		if (first.startsWith(CHROME_SCHEME)) {
			String id = first.substring(CHROME_SCHEME.length());
			if (id.endsWith("/")) {
				id = id.substring(0, id.length() - 1);
			}
			if (id.isEmpty() || !id.chars().allMatch(c -> c >= 'a' && c <= 'p') || id.length() > 64) {
				throw new OriginRefusedException("bad-origin", "malformed extension origin " + LogSafe.escape(first));
			}
			return new HostLaunch(Family.CHROMIUM, CHROME_SCHEME + id + "/");
		}
		if (args.size() >= 2 && !args.get(1).isEmpty() && args.get(1).length() <= MAX_ORIGIN_CHARS
				&& args.get(1).codePoints().allMatch(cp -> cp > 0x20 && cp < 0x7F)) {
			return new HostLaunch(Family.FIREFOX, args.get(1));
		}
		throw new OriginRefusedException("bad-origin",
				"the first argument is not an extension origin: " + LogSafe.escape(first));
	}

	/**
	 * Checks the origin against {@code allowed} (exact match; a Chromium origin with or
	 * without its final slash).
	 * @throws OriginRefusedException if it is not on the list (an empty list allows
	 * nobody)
	 */
	public HostLaunch requireAllowed(Collection<String> allowed) {
		Set<String> normalized = new java.util.HashSet<>();
		for (String origin : allowed) {
			normalized.add(normalize(origin));
		}
		if (!normalized.contains(normalize(origin))) {
			throw new OriginRefusedException("origin-not-allowed",
					"the origin " + LogSafe.escape(origin) + " is not on this host's allow-list");
		}
		return this;
	}

	static String normalize(String origin) {
		String trimmed = origin.trim();
		if (trimmed.startsWith(CHROME_SCHEME) && !trimmed.endsWith("/")) {
			return trimmed + "/";
		}
		return trimmed;
	}

}
