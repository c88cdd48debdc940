package dev.ipc.nats;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;

/**
 * The subject layout (docs/nats.md §2): {@code ipc.<namespace>.<destination>.<source>}
 * for messages, {@code ipc.<namespace>._presence.<source>} for presence. The last token
 * is always the publisher's own name, so permissions of the form "publish only
 * {@code ipc.<namespace>.*.<me>}" make the source trustworthy. Names and namespaces are
 * single subject tokens of letters, digits, {@code -} and {@code _}, not starting with
 * {@code _} (reserved for the framework's own tokens such as {@code _presence}).
 */
final class NatsSubjects {

	static final String ROOT = "ipc";

	static final String PRESENCE = "_presence";

	static final String PROBE = "_probe";

	/** Where each endpoint announces the topics it subscribes to (publications). */
	static final String SUBSCRIPTIONS = "_subs";

	/** Longest endpoint name or namespace (one subject token). */
	static final int MAX_TOKEN = 64;

	private NatsSubjects() {
	}

	/** Whether {@code name} can be an endpoint name or namespace on NATS. */
	static boolean isValidToken(@Nullable String name) {
		if (name == null || name.isEmpty() || name.length() > MAX_TOKEN) {
			return false;
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
			if (!alnum && (i == 0 || (c != '-' && c != '_'))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * {@code name} if it is a valid token, else an {@link IllegalArgumentException}
	 * naming {@code what}.
	 */
	static String requireToken(String name, String what) {
		if (!isValidToken(name)) {
			throw new IllegalArgumentException(what + " must be 1-" + MAX_TOKEN
					+ " letters, digits, '-' or '_' (not starting with '_') to be a NATS subject token, got '" + name
					+ "'");
		}
		return name;
	}

	/**
	 * The NATS token of {@code endpoint}, or {@code null} when it cannot travel over NATS
	 * (only valid named ones can).
	 */
	static @Nullable String tokenOf(Endpoint endpoint) {
		return (endpoint instanceof Endpoint.Named named && isValidToken(named.name())) ? named.name() : null;
	}

	static String message(String namespace, String destination, String source) {
		return ROOT + "." + namespace + "." + destination + "." + source;
	}

	static String presence(String namespace, String source) {
		return ROOT + "." + namespace + "." + PRESENCE + "." + source;
	}

	/** What an endpoint subscribes to for its messages. */
	static String inbox(String namespace, String self) {
		return ROOT + "." + namespace + "." + self + ".*";
	}

	/** What every endpoint subscribes to for presence. */
	static String subscriptions(String namespace, String source) {
		return ROOT + "." + namespace + "." + SUBSCRIPTIONS + "." + source;
	}

	static String subscriptionsWildcard(String namespace) {
		return ROOT + "." + namespace + "." + SUBSCRIPTIONS + ".*";
	}

	static String presenceWildcard(String namespace) {
		return ROOT + "." + namespace + "." + PRESENCE + ".*";
	}

	/**
	 * A subject no endpoint may publish on when permissions are in place (the startup
	 * self-check).
	 */
	static String probe(String namespace) {
		return ROOT + "." + namespace + "." + PROBE + "." + PROBE;
	}

	/**
	 * The source token of {@code subject} if it has our four-token layout, else
	 * {@code null}. Only the last token is taken: the subscription already fixed the
	 * first three.
	 */
	static @Nullable String sourceToken(String subject) {
		int last = subject.lastIndexOf('.');
		if (last < 0 || last == subject.length() - 1) {
			return null;
		}
		String token = subject.substring(last + 1);
		return isValidToken(token) ? token : null;
	}

}
