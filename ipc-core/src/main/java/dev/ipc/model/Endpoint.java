package dev.ipc.model;

import java.util.Objects;

/**
 * An addressable destination of a message, and the key under which cryptographic sessions
 * are kept (spec §1.2).
 *
 * <p>
 * The variants mirror Bitwarden's {@code Endpoint} enum and are encoded exactly as
 * serde's externally tagged form, for example {@code "DesktopMain"},
 * {@code {"BrowserForeground":{"id":3}}} or
 * {@code {"Web":{"tab_id":1,"document_id":"abc"}}} (see
 * {@link dev.ipc.codec.IpcJsonModule}). {@link Named} is our addition for Java-to-Java
 * topologies ({@code {"Named":{"name":"worker"}}}); Bitwarden peers do not understand it.
 * Equality is structural over all fields.
 */
public sealed interface Endpoint permits Endpoint.Web, Endpoint.BrowserForeground, Endpoint.BrowserBackground,
		Endpoint.DesktopRenderer, Endpoint.DesktopMain, Endpoint.Named {

	/** The desktop application's main process. */
	Endpoint DESKTOP_MAIN = new DesktopMain();

	/** The desktop application's renderer process. */
	Endpoint DESKTOP_RENDERER = new DesktopRenderer();

	/** Returns a {@link Named} endpoint; {@code name} must be non-blank. */
	static Endpoint named(String name) {
		return new Named(name);
	}

	/**
	 * A web page in a browser tab. {@code documentId} changes on navigation, so a
	 * navigated page is a different endpoint (and a different crypto session).
	 */
	record Web(int tabId, String documentId) implements Endpoint {
		public Web {
			Objects.requireNonNull(documentId, "documentId");
		}
	}

	/**
	 * A browser extension page (popup, sidebar), identified by a transport-assigned id.
	 */
	record BrowserForeground(int id) implements Endpoint {
	}

	/** A browser extension's background script or service worker (a host). */
	record BrowserBackground(HostId id) implements Endpoint {
		public BrowserBackground {
			Objects.requireNonNull(id, "id");
		}
	}

	/** The desktop renderer process (singleton). */
	record DesktopRenderer() implements Endpoint {
		@Override
		public String toString() {
			return "DesktopRenderer";
		}
	}

	/** The desktop main process (singleton). */
	record DesktopMain() implements Endpoint {
		@Override
		public String toString() {
			return "DesktopMain";
		}
	}

	/**
	 * A named process, for Java-to-Java topologies (not a Bitwarden variant).
	 *
	 * @param name the process name, non-blank, at most 255 characters
	 */
	record Named(String name) implements Endpoint {
		public Named {
			Objects.requireNonNull(name, "name");
			if (name.isBlank() || name.length() > 255) {
				throw new IllegalArgumentException(
						"Endpoint name must be 1-255 characters and not blank, got '" + name + "'");
			}
		}
	}

}
