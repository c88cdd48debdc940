package dev.ipc.nativemessaging.install;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A native messaging host manifest: the host name extensions pass to
 * {@code connectNative}, the absolute path of the program the browser starts, and who may
 * start it. {@link #toJson(Browser)} gives the browser's format: the Chromium family
 * lists {@code allowed_origins} ({@code chrome-extension://<id>/}), Firefox
 * {@code allowed_extensions} (add-on ids); each browser gets the entries of its kind.
 *
 * @param name the host name: lowercase letters, digits, {@code _} and {@code .}, not
 * starting or ending with a dot, no two dots in a row (the browsers' rule)
 * @param description shown nowhere important, required by the browsers
 * @param path the absolute path of the launcher the browser starts (it gets no arguments
 * of ours)
 * @param allowed extension origins and/or Firefox add-on ids
 */
public record HostManifest(String name, String description, Path path, List<String> allowed) {

	private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	public HostManifest {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(description, "description");
		Objects.requireNonNull(path, "path");
		allowed = List.copyOf(allowed);
		checkName(name);
		if (!path.isAbsolute()) {
			throw new IllegalArgumentException("the launcher path must be absolute, got " + path);
		}
		if (allowed.isEmpty()) {
			throw new IllegalArgumentException("a manifest must allow at least one extension");
		}
	}

	/**
	 * Checks a host name against the browsers' rule.
	 * @throws IllegalArgumentException saying what is wrong
	 */
	public static void checkName(String name) {
		if (name.isEmpty()
				|| !name.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.')) {
			throw new IllegalArgumentException(
					"a host name is lowercase letters, digits, '_' and '.', got '" + name + "'");
		}
		if (name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
			throw new IllegalArgumentException(
					"a host name may not start or end with '.' or contain '..', got '" + name + "'");
		}
	}

	/**
	 * The entries this browser understands (origins for the Chromium family, add-on ids
	 * for Firefox).
	 */
	public List<String> allowedFor(Browser browser) {
		List<String> entries = new ArrayList<>();
		for (String entry : allowed) {
			if (entry.startsWith("chrome-extension://") == browser.usesOrigins()) {
				entries.add(browser.usesOrigins() && !entry.endsWith("/") ? entry + "/" : entry);
			}
		}
		return entries;
	}

	/**
	 * The manifest JSON for {@code browser}.
	 * @throws IllegalArgumentException if none of {@link #allowed()} is of that browser's
	 * kind
	 */
	public String toJson(Browser browser) {
		List<String> entries = allowedFor(browser);
		if (entries.isEmpty()) {
			throw new IllegalArgumentException("no allowed entry for " + browser + ": give "
					+ (browser.usesOrigins() ? "a chrome-extension://<id>/ origin" : "a Firefox add-on id"));
		}
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("name", name);
		json.put("description", description);
		json.put("path", path.toString());
		json.put("type", "stdio");
		json.put(browser.usesOrigins() ? "allowed_origins" : "allowed_extensions", entries);
		return MAPPER.writeValueAsString(json) + "\n";
	}

}
