package dev.ipc.transport.socket;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.ipc.internal.LogSafe;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.transport.ReceiverFanout;

/**
 * The immutable configuration of a {@link SocketTransport}. Build one with
 * {@link #builder()}:
 *
 * <pre>{@code
 * SocketTransportOptions options = SocketTransportOptions.builder()
 *     .endpoint(Endpoint.named("worker"))
 *     .unixSocket(Path.of("/run/user/1000/myapp/ipc.sock"))
 *     .role(SocketTransportOptions.Role.AUTO)
 *     .build();
 * }</pre>
 *
 * Exactly one address is required: {@link Builder#unixSocket(Path) a Unix domain socket}
 * (the default kind of transport) or {@link Builder#tcp(String, int) a TCP address},
 * which must be a loopback address unless {@link Builder#allowNonLoopback(boolean)} is
 * set. See {@code docs/transport-protocol.md} for the wire protocol.
 */
public final class SocketTransportOptions {

	/** What a transport does with its address. */
	public enum Role {

		/**
		 * Binds the address and accepts peers; it routes messages between them and is
		 * itself an endpoint.
		 */
		HOST,

		/** Connects to a host, and reconnects with backoff when the connection drops. */
		PEER,

		/**
		 * Connects if a live host answers, otherwise becomes the host (single-instance
		 * pattern). A stale Unix socket file left by a crashed host is replaced; a live
		 * host is never displaced. A peer that loses its host tries the same again, so
		 * one of the remaining AUTO peers takes over.
		 */
		AUTO

	}

	/**
	 * Default {@link Builder#maxFrameBytes}: 1 MiB of payload plus 64 KiB of headroom for
	 * the envelope.
	 */
	public static final int DEFAULT_MAX_FRAME_BYTES = 1024 * 1024 + 64 * 1024;

	/**
	 * Smallest accepted {@link Builder#maxFrameBytes}: a Noise transport frame (65535
	 * bytes) plus envelope.
	 */
	public static final int MIN_MAX_FRAME_BYTES = 65535 + 1024;

	/** Default {@link Builder#maxConnections}. */
	public static final int DEFAULT_MAX_CONNECTIONS = 64;

	/** Default {@link Builder#maxPendingConnections}. */
	public static final int DEFAULT_MAX_PENDING_CONNECTIONS = 16;

	/** Default {@link Builder#idleEvictionAfter}. */
	public static final Duration DEFAULT_IDLE_EVICTION_AFTER = Duration.ofSeconds(10);

	/**
	 * The largest first frame a host reads from a new connection (the frame before
	 * {@code Hello} is accepted): a {@code Hello} with the longest endpoint allowed takes
	 * about 1.1 KiB.
	 */
	public static final int FIRST_FRAME_MAX_BYTES = 4096;

	/** Default {@link Builder#outboundQueueCapacity} in frames. */
	public static final int DEFAULT_OUTBOUND_QUEUE_CAPACITY = 1024;

	/** Default {@link Builder#outboundQueueMaxBytes}. */
	public static final long DEFAULT_OUTBOUND_QUEUE_MAX_BYTES = 32L * 1024 * 1024;

	/** Default {@link Builder#helloTimeout}. */
	public static final Duration DEFAULT_HELLO_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * Default {@link Builder#connectTimeout} (TCP only; Unix sockets connect at once or
	 * fail).
	 */
	public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

	/** Default {@link Builder#initialBackoff}. */
	public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);

	/** Default {@link Builder#maxBackoff}. */
	public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

	/** Default {@link Builder#closeTimeout}. */
	public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(2);

	private final Endpoint endpoint;

	private final @Nullable Path unixSocket;

	private final @Nullable String tcpHost;

	private final int tcpPort;

	private final boolean allowNonLoopback;

	private final Role role;

	private final int maxFrameBytes;

	private final int maxConnections;

	private final int maxPendingConnections;

	private final int maxConnectionsPerUser;

	private final int maxPendingPerUser;

	private final Duration idleEvictionAfter;

	private final int outboundQueueCapacity;

	private final long outboundQueueMaxBytes;

	private final int receiverCapacity;

	private final Duration helloTimeout;

	private final Duration connectTimeout;

	private final Duration initialBackoff;

	private final Duration maxBackoff;

	private final Duration closeTimeout;

	private final Set<String> allowedUsers;

	private final IpcEventListener listener;

	private SocketTransportOptions(Builder b) {
		this.endpoint = b.endpoint;
		this.unixSocket = b.unixSocket;
		this.tcpHost = b.tcpHost;
		this.tcpPort = b.tcpPort;
		this.allowNonLoopback = b.allowNonLoopback;
		this.role = b.role;
		this.maxFrameBytes = b.maxFrameBytes;
		this.maxConnections = b.maxConnections;
		this.maxPendingConnections = b.maxPendingConnections;
		this.maxConnectionsPerUser = b.maxConnectionsPerUser;
		this.maxPendingPerUser = b.maxPendingPerUser;
		this.idleEvictionAfter = b.idleEvictionAfter;
		this.outboundQueueCapacity = b.outboundQueueCapacity;
		this.outboundQueueMaxBytes = b.outboundQueueMaxBytes;
		this.receiverCapacity = b.receiverCapacity;
		this.helloTimeout = b.helloTimeout;
		this.connectTimeout = b.connectTimeout;
		this.initialBackoff = b.initialBackoff;
		this.maxBackoff = b.maxBackoff;
		this.closeTimeout = b.closeTimeout;
		this.allowedUsers = Set.copyOf(b.allowedUsers);
		this.listener = b.listener;
	}

	/** A new builder. */
	public static Builder builder() {
		return new Builder();
	}

	/** A builder initialised with these options. */
	public Builder toBuilder() {
		Builder b = new Builder();
		b.endpoint = endpoint;
		b.unixSocket = unixSocket;
		b.tcpHost = tcpHost;
		b.tcpPort = tcpPort;
		b.allowNonLoopback = allowNonLoopback;
		b.role = role;
		b.maxFrameBytes = maxFrameBytes;
		b.maxConnections = maxConnections;
		b.maxPendingConnections = maxPendingConnections;
		b.maxConnectionsPerUser = maxConnectionsPerUser;
		b.maxPendingPerUser = maxPendingPerUser;
		b.idleEvictionAfter = idleEvictionAfter;
		b.outboundQueueCapacity = outboundQueueCapacity;
		b.outboundQueueMaxBytes = outboundQueueMaxBytes;
		b.receiverCapacity = receiverCapacity;
		b.helloTimeout = helloTimeout;
		b.connectTimeout = connectTimeout;
		b.initialBackoff = initialBackoff;
		b.maxBackoff = maxBackoff;
		b.closeTimeout = closeTimeout;
		b.allowedUsers.addAll(allowedUsers);
		b.listener = listener;
		return b;
	}

	/**
	 * This process's endpoint: a peer registers it with the host; a host is reachable
	 * under it.
	 */
	public Endpoint endpoint() {
		return endpoint;
	}

	/** The Unix domain socket path, or {@code null} for TCP. */
	public @Nullable Path unixSocket() {
		return unixSocket;
	}

	/** Whether the transport uses a Unix domain socket (else TCP). */
	public boolean isUnix() {
		return unixSocket != null;
	}

	/** The TCP host to bind or connect to, or {@code null} for a Unix socket. */
	public @Nullable String tcpHost() {
		return tcpHost;
	}

	/**
	 * The TCP port ({@code 0} lets a host pick a free one; see
	 * {@link SocketTransport#localTcpPort()}).
	 */
	public int tcpPort() {
		return tcpPort;
	}

	/** Whether a non-loopback TCP address is allowed (default {@code false}). */
	public boolean allowNonLoopback() {
		return allowNonLoopback;
	}

	/** The role (default {@link Role#AUTO}). */
	public Role role() {
		return role;
	}

	/**
	 * The largest frame accepted or sent, length prefix excluded (default
	 * {@link #DEFAULT_MAX_FRAME_BYTES}).
	 */
	public int maxFrameBytes() {
		return maxFrameBytes;
	}

	/**
	 * The most registered connections (peers that completed {@code Hello}) a host holds
	 * at once (default 64). Connections still in their handshake count against
	 * {@link #maxPendingConnections()} instead.
	 */
	public int maxConnections() {
		return maxConnections;
	}

	/**
	 * The most connections a host holds that have not completed {@code Hello} (default
	 * 16). A slot is held until the connection's reader has ended, so a frame still being
	 * handled keeps its slot.
	 */
	public int maxPendingConnections() {
		return maxPendingConnections;
	}

	/**
	 * The most registered connections one user holds: one OS user on a Unix socket
	 * ({@code SO_PEERCRED}), one remote address on TCP. Default: three quarters of
	 * {@link #maxConnections()} on a Unix socket that admits several users
	 * ({@link #allowedUsers()} lists more than one); otherwise {@link #maxConnections()},
	 * as a quota cannot help when every peer is the same user (or, on TCP, shares the
	 * loopback address).
	 */
	public int maxConnectionsPerUser() {
		if (maxConnectionsPerUser > 0) {
			return maxConnectionsPerUser;
		}
		return severalUsers() ? Math.max(1, maxConnections * 3 / 4) : maxConnections;
	}

	/**
	 * The most connections in their handshake one user holds (same notion of user as
	 * {@link #maxConnectionsPerUser()}). Default: half of
	 * {@link #maxPendingConnections()} on a Unix socket that admits several users,
	 * otherwise all of it.
	 */
	public int maxPendingPerUser() {
		if (maxPendingPerUser > 0) {
			return maxPendingPerUser;
		}
		return severalUsers() ? Math.max(1, maxPendingConnections / 2) : maxPendingConnections;
	}

	/**
	 * Whether a host may admit several OS users, so per-user quotas matter by default.
	 */
	private boolean severalUsers() {
		return isUnix() && allowedUsers.size() > 1;
	}

	/**
	 * How long a registered connection must have sent nothing before a host may evict it,
	 * which it does only when a new peer's {@code Hello} finds the registered cap (or the
	 * newcomer's user quota) full (default 10 s). Peers that talk are never evicted; an
	 * evicted peer of this implementation reconnects by itself.
	 */
	public Duration idleEvictionAfter() {
		return idleEvictionAfter;
	}

	/** The most frames waiting to be written to one connection (default 1024). */
	public int outboundQueueCapacity() {
		return outboundQueueCapacity;
	}

	/** The most bytes waiting to be written to one connection (default 32 MiB). */
	public long outboundQueueMaxBytes() {
		return outboundQueueMaxBytes;
	}

	/**
	 * The capacity of each backend receiver (default
	 * {@link ReceiverFanout#DEFAULT_CAPACITY}).
	 */
	public int receiverCapacity() {
		return receiverCapacity;
	}

	/**
	 * How long a host waits for a new connection's {@code Hello}, and a peer for the
	 * answer (default 5 s).
	 */
	public Duration helloTimeout() {
		return helloTimeout;
	}

	/** How long a TCP connect may take (default 5 s). */
	public Duration connectTimeout() {
		return connectTimeout;
	}

	/**
	 * The first reconnect delay (default 100 ms); each failed attempt doubles it, with
	 * jitter.
	 */
	public Duration initialBackoff() {
		return initialBackoff;
	}

	/** The longest reconnect delay (default 5 s). */
	public Duration maxBackoff() {
		return maxBackoff;
	}

	/**
	 * How long {@code close()} lets queued frames drain and threads end (default 2 s).
	 */
	public Duration closeTimeout() {
		return closeTimeout;
	}

	/**
	 * The OS users admitted on a Unix socket, by name (or numeric uid for a user without
	 * a name). Empty (the default) admits only the user this process runs as. A non-empty
	 * set replaces that default: list this process's own user too if it should be
	 * admitted. Peers apply the same rule to the host they connect to.
	 */
	public Set<String> allowedUsers() {
		return allowedUsers;
	}

	/** Where dropped frames are reported (default {@link IpcEventListener#NOOP}). */
	public IpcEventListener listener() {
		return listener;
	}

	/** A readable description of the address. */
	public String addressDescription() {
		return isUnix() ? "unix:" + unixSocket : "tcp:" + tcpHost + ":" + tcpPort;
	}

	@Override
	public String toString() {
		return "SocketTransportOptions[" + endpoint + ", " + addressDescription() + ", role=" + role + "]";
	}

	/**
	 * Builds {@link SocketTransportOptions}; {@link #build()} validates and names what is
	 * wrong.
	 */
	public static final class Builder {

		private @Nullable Endpoint endpoint;

		private @Nullable Path unixSocket;

		private @Nullable String tcpHost;

		private int tcpPort = -1;

		private boolean allowNonLoopback;

		private Role role = Role.AUTO;

		private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;

		private int maxConnections = DEFAULT_MAX_CONNECTIONS;

		private int maxPendingConnections = DEFAULT_MAX_PENDING_CONNECTIONS;

		private int maxConnectionsPerUser;

		private int maxPendingPerUser;

		private Duration idleEvictionAfter = DEFAULT_IDLE_EVICTION_AFTER;

		private int outboundQueueCapacity = DEFAULT_OUTBOUND_QUEUE_CAPACITY;

		private long outboundQueueMaxBytes = DEFAULT_OUTBOUND_QUEUE_MAX_BYTES;

		private int receiverCapacity = ReceiverFanout.DEFAULT_CAPACITY;

		private Duration helloTimeout = DEFAULT_HELLO_TIMEOUT;

		private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

		private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;

		private Duration maxBackoff = DEFAULT_MAX_BACKOFF;

		private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

		private final Set<String> allowedUsers = new LinkedHashSet<>();

		private IpcEventListener listener = IpcEventListener.NOOP;

		private Builder() {
		}

		/** This process's endpoint (required). */
		public Builder endpoint(Endpoint endpoint) {
			this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
			return this;
		}

		/**
		 * Uses the Unix domain socket at {@code path} (its absolute form must stay under
		 * ~100 bytes).
		 */
		public Builder unixSocket(Path path) {
			this.unixSocket = Objects.requireNonNull(path, "path").toAbsolutePath();
			this.tcpHost = null;
			this.tcpPort = -1;
			return this;
		}

		/** Uses TCP on the loopback address {@code 127.0.0.1} and {@code port}. */
		public Builder tcp(int port) {
			return tcp("127.0.0.1", port);
		}

		/**
		 * Uses TCP on {@code host} and {@code port}. A non-loopback host also needs
		 * {@link #allowNonLoopback(boolean)}: TCP has no peer credentials, so anyone who
		 * can reach the port can connect.
		 */
		public Builder tcp(String host, int port) {
			this.tcpHost = Objects.requireNonNull(host, "host");
			this.tcpPort = port;
			this.unixSocket = null;
			return this;
		}

		/** Allows a non-loopback TCP address (default {@code false}). */
		public Builder allowNonLoopback(boolean allow) {
			this.allowNonLoopback = allow;
			return this;
		}

		/** The role (default {@link Role#AUTO}). */
		public Builder role(Role role) {
			this.role = Objects.requireNonNull(role, "role");
			return this;
		}

		/**
		 * The largest frame, length prefix excluded (default
		 * {@link #DEFAULT_MAX_FRAME_BYTES}).
		 */
		public Builder maxFrameBytes(int bytes) {
			this.maxFrameBytes = bytes;
			return this;
		}

		/**
		 * The most registered connections a host holds at once (default
		 * {@link #DEFAULT_MAX_CONNECTIONS}).
		 */
		public Builder maxConnections(int connections) {
			this.maxConnections = connections;
			return this;
		}

		/**
		 * The most connections in their handshake (default
		 * {@link #DEFAULT_MAX_PENDING_CONNECTIONS}).
		 */
		public Builder maxPendingConnections(int connections) {
			this.maxPendingConnections = connections;
			return this;
		}

		/**
		 * The most registered connections per user; 0 for the default (see
		 * {@link SocketTransportOptions#maxConnectionsPerUser()}).
		 */
		public Builder maxConnectionsPerUser(int connections) {
			this.maxConnectionsPerUser = connections;
			return this;
		}

		/** The most connections in their handshake per user; 0 for the default. */
		public Builder maxPendingPerUser(int connections) {
			this.maxPendingPerUser = connections;
			return this;
		}

		/**
		 * How long a registered connection must be silent before it may be evicted
		 * (default {@link #DEFAULT_IDLE_EVICTION_AFTER}).
		 */
		public Builder idleEvictionAfter(Duration idle) {
			this.idleEvictionAfter = Objects.requireNonNull(idle, "idle");
			return this;
		}

		/**
		 * The most frames queued for one connection (default
		 * {@link #DEFAULT_OUTBOUND_QUEUE_CAPACITY}).
		 */
		public Builder outboundQueueCapacity(int frames) {
			this.outboundQueueCapacity = frames;
			return this;
		}

		/**
		 * The most bytes queued for one connection (default
		 * {@link #DEFAULT_OUTBOUND_QUEUE_MAX_BYTES}).
		 */
		public Builder outboundQueueMaxBytes(long bytes) {
			this.outboundQueueMaxBytes = bytes;
			return this;
		}

		/**
		 * The capacity of each backend receiver (default
		 * {@link ReceiverFanout#DEFAULT_CAPACITY}).
		 */
		public Builder receiverCapacity(int capacity) {
			this.receiverCapacity = capacity;
			return this;
		}

		/**
		 * How long the hello/welcome handshake may take (default
		 * {@link #DEFAULT_HELLO_TIMEOUT}).
		 */
		public Builder helloTimeout(Duration timeout) {
			this.helloTimeout = Objects.requireNonNull(timeout, "timeout");
			return this;
		}

		/** How long a TCP connect may take (default {@link #DEFAULT_CONNECT_TIMEOUT}). */
		public Builder connectTimeout(Duration timeout) {
			this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
			return this;
		}

		/** The first reconnect delay (default {@link #DEFAULT_INITIAL_BACKOFF}). */
		public Builder initialBackoff(Duration backoff) {
			this.initialBackoff = Objects.requireNonNull(backoff, "backoff");
			return this;
		}

		/** The longest reconnect delay (default {@link #DEFAULT_MAX_BACKOFF}). */
		public Builder maxBackoff(Duration backoff) {
			this.maxBackoff = Objects.requireNonNull(backoff, "backoff");
			return this;
		}

		/** How long {@code close()} may take (default {@link #DEFAULT_CLOSE_TIMEOUT}). */
		public Builder closeTimeout(Duration timeout) {
			this.closeTimeout = Objects.requireNonNull(timeout, "timeout");
			return this;
		}

		/**
		 * Admits these OS users (replacing the default: only our own user); see
		 * {@link #allowedUsers()}.
		 */
		public Builder allowedUsers(Set<String> users) {
			Objects.requireNonNull(users, "users");
			this.allowedUsers.clear();
			for (String user : users) {
				this.allowedUsers.add(Objects.requireNonNull(user, "user"));
			}
			return this;
		}

		/** Where dropped frames are reported. */
		public Builder listener(IpcEventListener listener) {
			this.listener = Objects.requireNonNull(listener, "listener");
			return this;
		}

		/**
		 * Validates and builds.
		 * @throws IllegalStateException naming the missing or invalid setting
		 */
		public SocketTransportOptions build() {
			if (endpoint == null) {
				throw new IllegalStateException(
						"SocketTransportOptions need this process's endpoint: call endpoint(...)");
			}
			if (unixSocket == null && tcpHost == null) {
				throw new IllegalStateException(
						"SocketTransportOptions need an address: call unixSocket(path) or tcp(host, port)");
			}
			if (unixSocket != null
					&& unixSocket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 100) {
				throw new IllegalStateException(
						"Unix socket path is too long (the OS limit is about 100 bytes): " + unixSocket);
			}
			if (tcpHost != null) {
				if (tcpPort < 0 || tcpPort > 65535) {
					throw new IllegalStateException("TCP port must be 0-65535, got " + tcpPort);
				}
				if (tcpPort == 0 && role != Role.HOST) {
					throw new IllegalStateException("TCP port 0 (any free port) only makes sense for role HOST");
				}
				if (!allowNonLoopback && !isLoopback(tcpHost)) {
					throw new IllegalStateException("TCP address " + tcpHost + " is not a loopback address; TCP has no "
							+ "peer credentials, so call allowNonLoopback(true) to expose the transport deliberately");
				}
			}
			if (maxFrameBytes < MIN_MAX_FRAME_BYTES) {
				throw new IllegalStateException("maxFrameBytes must be at least " + MIN_MAX_FRAME_BYTES
						+ " (a Noise frame plus envelope), got " + maxFrameBytes);
			}
			if (maxConnections < 1) {
				throw new IllegalStateException("maxConnections must be at least 1, got " + maxConnections);
			}
			if (maxPendingConnections < 1) {
				throw new IllegalStateException(
						"maxPendingConnections must be at least 1, got " + maxPendingConnections);
			}
			if (maxConnectionsPerUser < 0 || maxConnectionsPerUser > maxConnections) {
				throw new IllegalStateException("maxConnectionsPerUser must be 1-" + maxConnections
						+ " (maxConnections), or 0 for the default, got " + maxConnectionsPerUser);
			}
			if (maxPendingPerUser < 0 || maxPendingPerUser > maxPendingConnections) {
				throw new IllegalStateException("maxPendingPerUser must be 1-" + maxPendingConnections
						+ " (maxPendingConnections), or 0 for the default, got " + maxPendingPerUser);
			}
			String nameProblem = EndpointNames.problem(endpoint);
			if (nameProblem != null) {
				throw new IllegalStateException("The endpoint " + LogSafe.escape(endpoint)
						+ " cannot be registered with a host: " + nameProblem);
			}
			if (outboundQueueCapacity < 1) {
				throw new IllegalStateException(
						"outboundQueueCapacity must be at least 1, got " + outboundQueueCapacity);
			}
			if (outboundQueueMaxBytes < maxFrameBytes + 4L) {
				throw new IllegalStateException("outboundQueueMaxBytes must hold at least one frame ("
						+ (maxFrameBytes + 4L) + " bytes), got " + outboundQueueMaxBytes);
			}
			if (receiverCapacity < 1) {
				throw new IllegalStateException("receiverCapacity must be at least 1, got " + receiverCapacity);
			}
			requirePositive("helloTimeout", helloTimeout);
			requirePositive("connectTimeout", connectTimeout);
			requirePositive("initialBackoff", initialBackoff);
			requirePositive("maxBackoff", maxBackoff);
			requirePositive("closeTimeout", closeTimeout);
			requirePositive("idleEvictionAfter", idleEvictionAfter);
			if (maxBackoff.compareTo(initialBackoff) < 0) {
				throw new IllegalStateException(
						"maxBackoff (" + maxBackoff + ") must not be below initialBackoff (" + initialBackoff + ")");
			}
			return new SocketTransportOptions(this);
		}

		private static void requirePositive(String name, Duration value) {
			if (value.isNegative() || value.isZero()) {
				throw new IllegalStateException(name + " must be positive, got " + value);
			}
		}

		private static boolean isLoopback(String host) {
			if (host.equalsIgnoreCase("localhost")) {
				return true;
			}
			try {
				// only literal addresses are checked without a lookup; names other than
				// localhost need the flag
				if (host.matches("[0-9.]+") || host.indexOf(':') >= 0) {
					return InetAddress.getByName(host).isLoopbackAddress();
				}
				return false;
			}
			catch (UnknownHostException ex) {
				return false;
			}
		}

	}

}
