package dev.ipc.model;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Who sent an incoming message (spec §1.3). A {@code Source} is never taken from the
 * sender: the receiving transport stamps it from what it verified itself (the
 * connection's registered endpoint, the browser's tab id and origin, the OS user of a
 * Unix-socket peer), so handlers may trust it.
 *
 * <p>
 * Same variants as {@link Endpoint}, but some carry verified metadata:
 * {@link Web#origin()} and {@link Named#user()}. {@link #toEndpoint()} drops that
 * metadata and gives the address to reply to; it is also the session-repository key for
 * the responder side of a handshake.
 */
public sealed interface Source permits Source.Web, Source.BrowserForeground, Source.BrowserBackground,
		Source.DesktopRenderer, Source.DesktopMain, Source.Named {

	/** The desktop application's main process. */
	Source DESKTOP_MAIN = new DesktopMain();

	/** The desktop application's renderer process. */
	Source DESKTOP_RENDERER = new DesktopRenderer();

	/** The endpoint to reply to: variant for variant, metadata dropped. */
	Endpoint toEndpoint();

	/**
	 * The source a message from {@code endpoint} carries when the transport knows nothing
	 * more about the sender (web origin {@code ""}, no OS user).
	 */
	static Source of(Endpoint endpoint) {
		Objects.requireNonNull(endpoint, "endpoint");
		if (endpoint instanceof Endpoint.Web web) {
			return new Web(web.tabId(), web.documentId(), "");
		}
		if (endpoint instanceof Endpoint.BrowserForeground fg) {
			return new BrowserForeground(fg.id());
		}
		if (endpoint instanceof Endpoint.BrowserBackground bg) {
			return new BrowserBackground(bg.id());
		}
		if (endpoint instanceof Endpoint.DesktopRenderer) {
			return DESKTOP_RENDERER;
		}
		if (endpoint instanceof Endpoint.DesktopMain) {
			return DESKTOP_MAIN;
		}
		return new Named(((Endpoint.Named) endpoint).name(), null);
	}

	/**
	 * A web page, with the origin the browser reported ({@code ""} when unknown).
	 */
	record Web(int tabId, String documentId, String origin) implements Source {
		public Web {
			Objects.requireNonNull(documentId, "documentId");
			Objects.requireNonNull(origin, "origin");
		}

		@Override
		public Endpoint toEndpoint() {
			return new Endpoint.Web(tabId, documentId);
		}
	}

	/** A browser extension page. */
	record BrowserForeground(int id) implements Source {
		@Override
		public Endpoint toEndpoint() {
			return new Endpoint.BrowserForeground(id);
		}
	}

	/** A browser extension's background script. */
	record BrowserBackground(HostId id) implements Source {
		public BrowserBackground {
			Objects.requireNonNull(id, "id");
		}

		@Override
		public Endpoint toEndpoint() {
			return new Endpoint.BrowserBackground(id);
		}
	}

	/** The desktop renderer process. */
	record DesktopRenderer() implements Source {
		@Override
		public Endpoint toEndpoint() {
			return Endpoint.DESKTOP_RENDERER;
		}

		@Override
		public String toString() {
			return "DesktopRenderer";
		}
	}

	/** The desktop main process. */
	record DesktopMain() implements Source {
		@Override
		public Endpoint toEndpoint() {
			return Endpoint.DESKTOP_MAIN;
		}

		@Override
		public String toString() {
			return "DesktopMain";
		}
	}

	/**
	 * A named Java process (not a Bitwarden variant).
	 *
	 * @param name the process name the transport registered for the connection
	 * @param user the sender's OS user as verified by the transport (Unix-socket peer
	 * credentials), or {@code null} when the transport cannot tell
	 */
	record Named(String name, @Nullable String user) implements Source {
		public Named {
			Objects.requireNonNull(name, "name");
		}

		/** A named source with no verified user. */
		public Named(String name) {
			this(name, null);
		}

		@Override
		public Endpoint toEndpoint() {
			return new Endpoint.Named(name);
		}
	}

}
