package dev.ipc.nats;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.SSLContext;

import org.jspecify.annotations.Nullable;

import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.transport.ReceiverFanout;

/**
 * Settings of a {@link NatsTransport}: who this endpoint is, which servers to use, how to
 * authenticate, and the bounds. Build with {@link #builder()}; {@link Builder#build()}
 * fails with an {@link IllegalArgumentException} or {@link IllegalStateException} naming
 * the wrong setting. Secrets (password, token, NKey seed) never appear in
 * {@link #toString()}.
 */
public final class NatsTransportOptions {

	/**
	 * Default largest message body: 1 MiB, the NATS server's default {@code max_payload}.
	 */
	public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

	/** How a client authenticates to the server. */
	public enum AuthKind {

		/** No credentials. */
		NONE,
		/** User name and password. */
		USER_PASSWORD,
		/** A token. */
		TOKEN,
		/** An NKey seed (the server knows the public key). */
		NKEY,
		/**
		 * A JWT credentials file ({@code .creds}, decentralised auth with an operator).
		 */
		CREDENTIALS_FILE

	}

	private final Endpoint.Named endpoint;

	private final String namespace;

	private final List<String> servers;

	private final AuthKind auth;

	private final @Nullable String username;

	private final char @Nullable [] secret;

	private final @Nullable Path credentialsFile;

	private final @Nullable SSLContext sslContext;

	private final SourceTrust sourceTrust;

	private final int maxMessageBytes;

	private final Duration presenceInterval;

	private final Duration presenceTimeout;

	private final Duration connectionTimeout;

	private final Duration reconnectWait;

	private final Duration pingInterval;

	private final Duration probeTimeout;

	private final int receiverCapacity;

	private final IpcEventListener listener;

	private NatsTransportOptions(Builder b) {
		this.endpoint = Objects.requireNonNull(b.endpoint, "endpoint is required");
		this.namespace = b.namespace;
		this.servers = List.copyOf(b.servers);
		this.auth = b.auth;
		this.username = b.username;
		this.secret = b.secret;
		this.credentialsFile = b.credentialsFile;
		this.sslContext = b.sslContext;
		this.sourceTrust = b.sourceTrust;
		this.maxMessageBytes = b.maxMessageBytes;
		this.presenceInterval = b.presenceInterval;
		this.presenceTimeout = b.presenceTimeout;
		this.connectionTimeout = b.connectionTimeout;
		this.reconnectWait = b.reconnectWait;
		this.pingInterval = b.pingInterval;
		this.probeTimeout = b.probeTimeout;
		this.receiverCapacity = b.receiverCapacity;
		this.listener = b.listener;
	}

	/** A builder with the defaults. */
	public static Builder builder() {
		return new Builder();
	}

	/** This process's endpoint: a named endpoint whose name is a valid subject token. */
	public Endpoint.Named endpoint() {
		return endpoint;
	}

	/**
	 * The subject namespace (the second token): endpoints talk only within one namespace.
	 * Default {@code default}.
	 */
	public String namespace() {
		return namespace;
	}

	/**
	 * Server URLs ({@code nats://host:port}, {@code tls://...}); the client fails over
	 * between them.
	 */
	public List<String> servers() {
		return servers;
	}

	/** How the client authenticates. */
	public AuthKind auth() {
		return auth;
	}

	/** The user name for {@link AuthKind#USER_PASSWORD}. */
	public @Nullable String username() {
		return username;
	}

	/** The password, token or NKey seed (not copied; never logged). */
	char @Nullable [] secret() {
		return secret;
	}

	/** The credentials file for {@link AuthKind#CREDENTIALS_FILE}. */
	public @Nullable Path credentialsFile() {
		return credentialsFile;
	}

	/**
	 * The TLS context, or {@code null} for plain TCP (unless a server URL says
	 * {@code tls://}).
	 */
	public @Nullable SSLContext sslContext() {
		return sslContext;
	}

	/** Whether the server's permissions vouch for sources. */
	public SourceTrust sourceTrust() {
		return sourceTrust;
	}

	/**
	 * Largest message body sent or accepted; larger incoming ones are dropped and
	 * counted.
	 */
	public int maxMessageBytes() {
		return maxMessageBytes;
	}

	/** How often this endpoint announces itself. */
	public Duration presenceInterval() {
		return presenceInterval;
	}

	/** After how long without an announcement a peer counts as gone. */
	public Duration presenceTimeout() {
		return presenceTimeout;
	}

	/** How long the first connection attempt to one server may take. */
	public Duration connectionTimeout() {
		return connectionTimeout;
	}

	/** Pause between reconnect attempts to the same server (jittered by the client). */
	public Duration reconnectWait() {
		return reconnectWait;
	}

	/**
	 * How often the client pings the server (detects a dead server on a silent network).
	 */
	public Duration pingInterval() {
		return pingInterval;
	}

	/**
	 * How long the {@link SourceTrust#BROKER_ENFORCED} self-check waits for the server's
	 * permissions violation.
	 */
	public Duration probeTimeout() {
		return probeTimeout;
	}

	/** Capacity of each backend receiver. */
	public int receiverCapacity() {
		return receiverCapacity;
	}

	/** Where dropped messages are reported. */
	public IpcEventListener listener() {
		return listener;
	}

	@Override
	public String toString() {
		return "NatsTransportOptions[endpoint=" + endpoint.name() + ", namespace=" + namespace + ", servers=" + servers
				+ ", auth=" + auth + ", sourceTrust=" + sourceTrust + ", tls=" + (sslContext != null) + "]";
	}

	/** Builds {@link NatsTransportOptions}. Not thread-safe. */
	public static final class Builder {

		private Endpoint.@Nullable Named endpoint;

		private String namespace = "default";

		private List<String> servers = List.of("nats://127.0.0.1:4222");

		private AuthKind auth = AuthKind.NONE;

		private @Nullable String username;

		private char @Nullable [] secret;

		private @Nullable Path credentialsFile;

		private @Nullable SSLContext sslContext;

		private SourceTrust sourceTrust = SourceTrust.UNVERIFIED;

		private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

		private Duration presenceInterval = Duration.ofSeconds(1);

		private Duration presenceTimeout = Duration.ofSeconds(3);

		private Duration connectionTimeout = Duration.ofSeconds(2);

		private Duration reconnectWait = Duration.ofMillis(250);

		private Duration pingInterval = Duration.ofSeconds(10);

		private Duration probeTimeout = Duration.ofSeconds(2);

		private int receiverCapacity = ReceiverFanout.DEFAULT_CAPACITY;

		private IpcEventListener listener = IpcEventListener.NOOP;

		private Builder() {
		}

		/**
		 * This process's endpoint; its name must be a subject token (letters, digits,
		 * '-', '_', at most 64).
		 */
		public Builder endpoint(Endpoint endpoint) {
			if (!(endpoint instanceof Endpoint.Named named)) {
				throw new IllegalArgumentException("A NATS endpoint must be a named endpoint, got " + endpoint);
			}
			NatsSubjects.requireToken(named.name(), "The endpoint name");
			this.endpoint = named;
			return this;
		}

		/** This process's endpoint by name. */
		public Builder endpoint(String name) {
			return endpoint(Endpoint.named(name));
		}

		public Builder namespace(String namespace) {
			this.namespace = NatsSubjects.requireToken(namespace, "The namespace");
			return this;
		}

		public Builder servers(List<String> servers) {
			if (servers.isEmpty()) {
				throw new IllegalArgumentException("At least one NATS server URL is required");
			}
			this.servers = List.copyOf(servers);
			return this;
		}

		public Builder servers(String... servers) {
			return servers(List.of(servers));
		}

		public Builder userPassword(String username, char[] password) {
			setAuth(AuthKind.USER_PASSWORD);
			this.username = Objects.requireNonNull(username, "username");
			this.secret = password.clone();
			return this;
		}

		public Builder token(char[] token) {
			setAuth(AuthKind.TOKEN);
			this.secret = token.clone();
			return this;
		}

		/**
		 * Authenticates with an NKey seed ({@code SU...}); the server's config lists the
		 * public key.
		 */
		public Builder nkeySeed(char[] seed) {
			setAuth(AuthKind.NKEY);
			this.secret = seed.clone();
			return this;
		}

		/** Authenticates with a JWT credentials file (decentralised auth). */
		public Builder credentialsFile(Path file) {
			setAuth(AuthKind.CREDENTIALS_FILE);
			this.credentialsFile = Objects.requireNonNull(file, "file");
			return this;
		}

		private void setAuth(AuthKind kind) {
			if (this.auth != AuthKind.NONE && this.auth != kind) {
				throw new IllegalStateException(
						"Only one kind of NATS credentials may be set, already " + this.auth + ", now " + kind);
			}
			this.auth = kind;
		}

		public Builder sslContext(@Nullable SSLContext sslContext) {
			this.sslContext = sslContext;
			return this;
		}

		public Builder sourceTrust(SourceTrust trust) {
			this.sourceTrust = Objects.requireNonNull(trust, "trust");
			return this;
		}

		public Builder maxMessageBytes(int bytes) {
			if (bytes < 64) {
				throw new IllegalArgumentException("maxMessageBytes must be at least 64, got " + bytes);
			}
			this.maxMessageBytes = bytes;
			return this;
		}

		/** How often to announce; the timeout must stay above twice this. */
		public Builder presence(Duration interval, Duration timeout) {
			if (interval.isNegative() || interval.isZero() || timeout.compareTo(interval.multipliedBy(2)) < 0) {
				throw new IllegalArgumentException("The presence interval must be positive and the timeout at least "
						+ "twice the interval, got " + interval + " / " + timeout);
			}
			this.presenceInterval = interval;
			this.presenceTimeout = timeout;
			return this;
		}

		public Builder connectionTimeout(Duration timeout) {
			this.connectionTimeout = positive(timeout, "connectionTimeout");
			return this;
		}

		public Builder reconnectWait(Duration wait) {
			this.reconnectWait = positive(wait, "reconnectWait");
			return this;
		}

		public Builder pingInterval(Duration interval) {
			this.pingInterval = positive(interval, "pingInterval");
			return this;
		}

		public Builder probeTimeout(Duration timeout) {
			this.probeTimeout = positive(timeout, "probeTimeout");
			return this;
		}

		public Builder receiverCapacity(int capacity) {
			if (capacity < 1) {
				throw new IllegalArgumentException("receiverCapacity must be at least 1");
			}
			this.receiverCapacity = capacity;
			return this;
		}

		public Builder listener(IpcEventListener listener) {
			this.listener = Objects.requireNonNull(listener, "listener");
			return this;
		}

		private static Duration positive(Duration value, String name) {
			if (value.isNegative() || value.isZero()) {
				throw new IllegalArgumentException(name + " must be positive, got " + value);
			}
			return value;
		}

		/**
		 * The options.
		 * @throws IllegalStateException if no endpoint was set
		 */
		public NatsTransportOptions build() {
			if (endpoint == null) {
				throw new IllegalStateException("The endpoint (this process's name) is required");
			}
			return new NatsTransportOptions(this);
		}

	}

}
