package dev.ipc.nativemessaging;

import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * A browser extension connected through native messaging, as the IPC client sees it: a
 * {@link Source.Named} (and {@link Endpoint.Named}) whose name is
 * {@code browser-extension:<connection>:<origin>}, for example
 * {@code browser-extension:4711:chrome-extension://abcdefghijklmnopabcdefghijklmnop/}.
 * The connection number keeps two simultaneous connections of one extension apart (the
 * proxy uses its process id).
 *
 * <p>
 * Use {@link #of(Source)} in a handler to learn which extension sent a message. What the
 * origin proves is in {@code docs/native-messaging.md} (security model): the browser
 * named it when it started the host, and the host checked it against its allow-list; with
 * the proxy, the application's socket transport additionally verified that the proxy runs
 * as an allowed OS user ({@link #user()}), but any process of that user could claim the
 * same name.
 *
 * @param connection the connection number, {@code >= 0}
 * @param origin the extension's origin ({@code chrome-extension://<id>/}) or, for
 * Firefox, its add-on id
 * @param user the OS user the application's transport verified for the connection, or
 * {@code null} when the application itself is the native host (the browser started it) or
 * the transport cannot tell
 */
public record BrowserExtensionPeer(long connection, String origin, @Nullable String user) {

	/** The prefix of the endpoint names of browser extension peers. */
	public static final String NAME_PREFIX = "browser-extension:";

	public BrowserExtensionPeer {
		Objects.requireNonNull(origin, "origin");
		if (connection < 0) {
			throw new IllegalArgumentException("connection must be >= 0");
		}
		if (origin.isEmpty()) {
			throw new IllegalArgumentException("origin must not be empty");
		}
	}

	/** The peer a message came from, if it is a browser extension peer. */
	public static Optional<BrowserExtensionPeer> of(Source source) {
		if (source instanceof Source.Named named) {
			return parse(named.name(), named.user());
		}
		return Optional.empty();
	}

	/**
	 * The peer an endpoint addresses, if it is a browser extension endpoint (no user).
	 */
	public static Optional<BrowserExtensionPeer> of(Endpoint endpoint) {
		if (endpoint instanceof Endpoint.Named named) {
			return parse(named.name(), null);
		}
		return Optional.empty();
	}

	/** The endpoint name for this peer. */
	public String endpointName() {
		return NAME_PREFIX + connection + ":" + origin;
	}

	/** The endpoint to send to this peer. */
	public Endpoint endpoint() {
		return Endpoint.named(endpointName());
	}

	/** The source messages of this peer carry. */
	public Source source() {
		return new Source.Named(endpointName(), user);
	}

	private static Optional<BrowserExtensionPeer> parse(String name, @Nullable String user) {
		if (!name.startsWith(NAME_PREFIX)) {
			return Optional.empty();
		}
		int colon = name.indexOf(':', NAME_PREFIX.length());
		if (colon < 0 || colon == NAME_PREFIX.length() || colon == name.length() - 1) {
			return Optional.empty();
		}
		String number = name.substring(NAME_PREFIX.length(), colon);
		for (int i = 0; i < number.length(); i++) {
			if (number.charAt(i) < '0' || number.charAt(i) > '9') {
				return Optional.empty();
			}
		}
		if (number.length() > 18) {
			return Optional.empty();
		}
		return Optional.of(new BrowserExtensionPeer(Long.parseLong(number), name.substring(colon + 1), user));
	}

}
