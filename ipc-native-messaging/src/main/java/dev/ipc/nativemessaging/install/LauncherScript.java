package dev.ipc.nativemessaging.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the launcher a manifest points at: a POSIX shell script (Linux, macOS) that
 * starts the {@link dev.ipc.nativemessaging.proxy.NativeMessagingProxy} with the
 * application's socket and allow-list and passes on the browser's arguments. A browser
 * starts the manifest's {@code path} with no arguments of ours, hence a script. (On
 * Windows write a {@code .bat} with the same command line.) Failures are
 * {@link IOException}s.
 */
public final class LauncherScript {

	private static final String PROXY_CLASS = "dev.ipc.nativemessaging.proxy.NativeMessagingProxy";

	private LauncherScript() {
	}

	/**
	 * The script text.
	 * @param java the {@code java} executable
	 * @param classpath the class path holding this module, ipc-core and their
	 * dependencies
	 * @param proxyArguments the proxy's options
	 * ({@code --socket ... --allowed-origin ...}), see
	 * {@link dev.ipc.nativemessaging.proxy.ProxyArguments}
	 */
	public static String text(Path java, String classpath, List<String> proxyArguments) {
		List<String> command = new ArrayList<>();
		command.add(java.toString());
		command.add("-cp");
		command.add(classpath);
		command.add(PROXY_CLASS);
		command.addAll(proxyArguments);
		command.add("--");
		StringBuilder script = new StringBuilder("#!/bin/sh\n# Native messaging host launcher (written by dev.ipc's "
				+ "ManifestInstaller): the browser starts it with the caller's origin.\nexec");
		for (String word : command) {
			script.append(' ').append(quote(word));
		}
		return script.append(" \"$@\"\n").toString();
	}

	/**
	 * Writes {@link #text} to {@code script} and makes it executable by its owner only
	 * ({@code 0700}).
	 */
	public static Path write(Path script, Path java, String classpath, List<String> proxyArguments) throws IOException {
		Path parent = script.toAbsolutePath().getParent();
		if (parent != null) {
			Files.createDirectories(parent);
		}
		Files.writeString(script, text(java, classpath, proxyArguments), StandardCharsets.UTF_8);
		try {
			Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
		}
		catch (UnsupportedOperationException ex) {
			script.toFile().setExecutable(true, true);
		}
		return script;
	}

	static String quote(String word) {
		return "'" + word.replace("'", "'\\''") + "'";
	}

}
