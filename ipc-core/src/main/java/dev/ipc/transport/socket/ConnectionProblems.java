package dev.ipc.transport.socket;

import java.io.IOException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.LogSafe;

/**
 * Why a peer cannot reach its host, said once: each kind of problem is logged at WARN the
 * first time and whenever the kind changes, at DEBUG while it keeps failing the same way,
 * and the last one is kept for {@link SocketTransport#lastConnectionProblem()} until a
 * connection succeeds. Logged under {@link SocketTransport}'s name, as the transport's
 * own state.
 */
final class ConnectionProblems {

	private static final Logger log = LoggerFactory.getLogger(SocketTransport.class);

	private final SocketTransportOptions options;

	private final TransportCounters counters;

	/** Why the last attempt to reach the host failed, until one succeeds. */
	private volatile @Nullable String problem;

	/** The kind of the last problem logged at WARN (connector thread only). */
	private @Nullable String loggedKind;

	ConnectionProblems(SocketTransportOptions options, TransportCounters counters) {
		this.options = options;
		this.counters = counters;
	}

	/** The last problem, or null. */
	@Nullable String current() {
		return problem;
	}

	/** Records a problem that is not a failed connect (becoming the host failed). */
	void set(@Nullable String problem) {
		this.problem = problem;
	}

	/** A connection succeeded. @return the problem it resolves, or null */
	@Nullable String resolved() {
		String previous = problem;
		problem = null;
		loggedKind = null;
		return previous;
	}

	/** Reaching the host failed with {@code ex}. */
	void failed(IOException ex) {
		failed(kindOf(ex), describe(ex));
	}

	/** Reaching the host failed: {@code kind} is a fixed string, {@code why} escaped. */
	void failed(String kind, String why) {
		counters.connectFailures.incrementAndGet();
		problem = why;
		if (!kind.equals(loggedKind)) {
			loggedKind = kind;
			log.warn(
					"IPC socket transport: {} cannot connect to the host at {}: {}; retrying with backoff (up to {} "
							+ "between attempts; further failures of this kind are logged at debug)",
					options.endpoint(), options.addressDescription(), why, options.maxBackoff());
		}
		else {
			log.debug("IPC socket transport: connecting to {} failed again: {}", options.addressDescription(), why);
		}
	}

	private static String kindOf(IOException ex) {
		String message = String.valueOf(ex.getMessage());
		if (ex instanceof java.nio.file.NoSuchFileException || message.contains("No such file")) {
			return "no-file";
		}
		if (ex instanceof java.net.ConnectException || message.contains("refused")) {
			return "refused";
		}
		if (ex instanceof java.nio.file.AccessDeniedException || message.contains("Permission denied")
				|| message.contains("Access denied")) {
			return "permission";
		}
		return ex.getClass().getName();
	}

	private String describe(IOException ex) {
		String where = options.addressDescription();
		return switch (kindOf(ex)) {
			case "no-file" -> "no socket file at " + where + " (is the host running, and is the path the host's?)";
			case "refused" -> options.isUnix()
					? "connection refused at " + where + " (a socket file without a live host: the host is not running)"
					: "connection refused at " + where + " (nothing listens on that port)";
			case "permission" ->
				"permission denied at " + where + " (the socket or its directory belongs to another OS user)";
			default -> "connecting to " + where + " failed: " + LogSafe.escape(ex);
		};
	}

}
