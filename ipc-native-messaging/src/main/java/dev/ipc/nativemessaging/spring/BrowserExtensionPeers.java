package dev.ipc.nativemessaging.spring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.nativemessaging.BrowserExtensionPeer;
import dev.ipc.spi.CommunicationBackend;

/**
 * The browser extensions connected to this application through the native messaging
 * proxy, and the application-side origin check: handlers call
 * {@link #requireAllowed(Source)} (or {@link #isAllowed(Source)}) so that a process of
 * the same OS user that claims an extension's name without being started by the browser
 * for an allowed origin still has to use an allowed origin (see the security model in
 * {@code docs/native-messaging.md}).
 */
public final class BrowserExtensionPeers {

	private final CommunicationBackend backend;

	private final Set<String> allowedOrigins = new HashSet<>();

	/**
	 * Peers over {@code backend}, allowing {@code allowedOrigins} (exact; a final slash
	 * is optional).
	 */
	public BrowserExtensionPeers(CommunicationBackend backend, Collection<String> allowedOrigins) {
		this.backend = backend;
		for (String origin : allowedOrigins) {
			this.allowedOrigins.add(normalize(origin));
		}
	}

	/** The extension peers the transport currently reaches. */
	public List<BrowserExtensionPeer> connected() {
		List<BrowserExtensionPeer> peers = new ArrayList<>();
		for (Endpoint endpoint : backend.reachableEndpoints()) {
			BrowserExtensionPeer.of(endpoint).ifPresent(peers::add);
		}
		return peers;
	}

	/**
	 * Whether {@code source} is a browser extension peer whose origin is on the
	 * allow-list.
	 */
	public boolean isAllowed(Source source) {
		return BrowserExtensionPeer.of(source)
			.filter(peer -> allowedOrigins.contains(normalize(peer.origin())))
			.isPresent();
	}

	/**
	 * The extension peer behind {@code source}.
	 * @throws SecurityException if the source is not a browser extension peer with an
	 * allowed origin
	 */
	public BrowserExtensionPeer requireAllowed(Source source) {
		Optional<BrowserExtensionPeer> peer = BrowserExtensionPeer.of(source);
		if (peer.isEmpty() || !isAllowed(source)) {
			throw new SecurityException("not an allowed browser extension: " + dev.ipc.internal.LogSafe.escape(source));
		}
		return peer.get();
	}

	private static String normalize(String origin) {
		String trimmed = origin.trim();
		return trimmed.startsWith("chrome-extension://") && !trimmed.endsWith("/") ? trimmed + "/" : trimmed;
	}

}
