package dev.ipc.nativemessaging.proxy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;

/**
 * The proxy's command line: its own options, then {@code --}, then what the browser
 * passed (the caller's origin). A launcher script written by the installer has the form
 * {@code exec java -cp <classpath> dev.ipc.nativemessaging.proxy.NativeMessagingProxy --socket <path>
 * --allowed-origin <origin> ... -- "$@"}.
 *
 * <pre>
 * --socket PATH            the application's Unix socket (or --tcp PORT for loopback TCP)
 * --allowed-origin ORIGIN  an extension origin (chrome-extension://ID/) or Firefox add-on id; repeatable, required
 * --app-endpoint ENDPOINT  send everything to this endpoint (DesktopMain, DesktopRenderer or a name) instead of the
 *                          destination the extension chose
 * --connect-timeout SECONDS how long to wait for the application (default 5)
 * </pre>
 *
 * @param socket the Unix socket, or {@code null} with TCP
 * @param tcpPort the loopback TCP port, or {@code 0} with a Unix socket
 * @param allowedOrigins the allow-list (non-empty)
 * @param appEndpoint the fixed destination, or {@code null} to use the extension's
 * @param connectTimeout how long to wait for the application
 * @param browserArguments what the browser passed
 */
public record ProxyArguments(@Nullable Path socket, int tcpPort, List<String> allowedOrigins,
		@Nullable Endpoint appEndpoint, Duration connectTimeout, List<String> browserArguments) {

	public ProxyArguments {
		Objects.requireNonNull(allowedOrigins, "allowedOrigins");
		Objects.requireNonNull(connectTimeout, "connectTimeout");
		Objects.requireNonNull(browserArguments, "browserArguments");
		allowedOrigins = List.copyOf(allowedOrigins);
		browserArguments = List.copyOf(browserArguments);
	}

	/**
	 * Parses the command line.
	 * @throws IllegalArgumentException naming the problem (unknown option, missing value,
	 * no socket, no origin)
	 */
	public static ProxyArguments parse(String[] args) {
		Path socket = null;
		int port = 0;
		List<String> origins = new ArrayList<>();
		Endpoint app = null;
		Duration timeout = Duration.ofSeconds(5);
		List<String> browser = new ArrayList<>();
		int i = 0;
		for (; i < args.length; i++) {
			String arg = args[i];
			if (arg.equals("--")) {
				i++;
				break;
			}
			if (!arg.startsWith("--")) {
				break;
			}
			if (i + 1 >= args.length) {
				throw new IllegalArgumentException("option " + arg + " needs a value");
			}
			String value = args[++i];
			switch (arg) {
				case "--socket" -> socket = Path.of(value);
				case "--tcp" -> port = Integer.parseInt(value);
				case "--allowed-origin" -> origins.add(value);
				case "--app-endpoint" -> app = endpoint(value);
				case "--connect-timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value));
				default -> throw new IllegalArgumentException("unknown option " + arg);
			}
		}
		for (; i < args.length; i++) {
			browser.add(args[i]);
		}
		if ((socket == null) == (port == 0)) {
			throw new IllegalArgumentException("give exactly one of --socket PATH or --tcp PORT");
		}
		if (origins.isEmpty()) {
			throw new IllegalArgumentException("give at least one --allowed-origin");
		}
		return new ProxyArguments(socket, port, origins, app, timeout, browser);
	}

	/** {@code DesktopMain}, {@code DesktopRenderer}, or a {@link Endpoint.Named} name. */
	static Endpoint endpoint(String value) {
		return switch (value) {
			case "DesktopMain" -> Endpoint.DESKTOP_MAIN;
			case "DesktopRenderer" -> Endpoint.DESKTOP_RENDERER;
			default -> Endpoint.named(value);
		};
	}

}
