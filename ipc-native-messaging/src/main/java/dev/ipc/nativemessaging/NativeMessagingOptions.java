package dev.ipc.nativemessaging;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;

/**
 * How a {@link NativeMessagingBackend} talks to its browser: the streams (normally
 * {@code System.in} and {@code System.out}), the peer it serves, and the limits. Build
 * with {@link #builder(BrowserExtensionPeer)}. {@link Builder#build()} fails with
 * {@link IllegalArgumentException} on a value out of range.
 */
public final class NativeMessagingOptions {

	/**
	 * The largest message a browser accepts from a host: 1 MiB of JSON (Chrome and
	 * Firefox).
	 */
	public static final int HOST_TO_BROWSER_LIMIT = 1024 * 1024;

	/**
	 * The largest message Chrome sends to a host (64 MiB); a higher incoming limit makes
	 * no sense.
	 */
	public static final int BROWSER_TO_HOST_HARD_LIMIT = 64 * 1024 * 1024;

	/**
	 * Default bound on a message from the browser: 1 MiB (an IPC frame in the wrapper
	 * stays far below it).
	 */
	public static final int DEFAULT_MAX_INCOMING_BYTES = 1024 * 1024;

	/** Default number of messages queued for the browser before {@code send} fails. */
	public static final int DEFAULT_OUTBOUND_QUEUE_CAPACITY = 256;

	/** Default bound on the bytes queued for the browser (16 MiB). */
	public static final long DEFAULT_OUTBOUND_QUEUE_MAX_BYTES = 16L * 1024 * 1024;

	private final BrowserExtensionPeer peer;

	private final InputStream input;

	private final OutputStream output;

	private final ByteOrder byteOrder;

	private final int maxIncomingBytes;

	private final int maxOutgoingBytes;

	private final int outboundQueueCapacity;

	private final long outboundQueueMaxBytes;

	private final int receiverCapacity;

	private final Duration closeTimeout;

	private final Endpoint browserDestination;

	private NativeMessagingOptions(Builder b) {
		this.peer = b.peer;
		this.input = b.input != null ? b.input : System.in;
		this.output = b.output != null ? b.output : System.out;
		this.byteOrder = b.byteOrder;
		this.maxIncomingBytes = b.maxIncomingBytes;
		this.maxOutgoingBytes = b.maxOutgoingBytes;
		this.outboundQueueCapacity = b.outboundQueueCapacity;
		this.outboundQueueMaxBytes = b.outboundQueueMaxBytes;
		this.receiverCapacity = b.receiverCapacity;
		this.closeTimeout = b.closeTimeout;
		this.browserDestination = b.browserDestination;
	}

	/** A builder for the given peer (the extension the browser started this host for). */
	public static Builder builder(BrowserExtensionPeer peer) {
		return new Builder(peer);
	}

	/** The browser extension this backend serves. */
	public BrowserExtensionPeer peer() {
		return peer;
	}

	/** Where the browser's messages come from. */
	public InputStream input() {
		return input;
	}

	/** Where messages to the browser go. */
	public OutputStream output() {
		return output;
	}

	/**
	 * The byte order of the length prefix (the machine's native order unless set, for
	 * tests).
	 */
	public ByteOrder byteOrder() {
		return byteOrder;
	}

	/**
	 * The largest message accepted from the browser; a longer one is skipped and counted.
	 */
	public int maxIncomingBytes() {
		return maxIncomingBytes;
	}

	/**
	 * The largest message sent to the browser (at most {@link #HOST_TO_BROWSER_LIMIT}),
	 * measured as the wrapped JSON; a longer one is refused. There is no fragmentation
	 * yet: when the IPC layer gains it, each fragment it hands to {@code send} must stay
	 * under this limit once wrapped (about four JSON characters per payload byte).
	 */
	public int maxOutgoingBytes() {
		return maxOutgoingBytes;
	}

	/** Messages queued for the browser before {@code send} fails. */
	public int outboundQueueCapacity() {
		return outboundQueueCapacity;
	}

	/**
	 * Bytes queued for the browser before {@code send} fails (at least one largest
	 * message).
	 */
	public long outboundQueueMaxBytes() {
		return outboundQueueMaxBytes;
	}

	/** Messages each receiver buffers. */
	public int receiverCapacity() {
		return receiverCapacity;
	}

	/** How long {@code close} lets queued messages drain to the browser. */
	public Duration closeTimeout() {
		return closeTimeout;
	}

	/**
	 * The {@code destination} written in messages to the browser (default
	 * {@code BrowserBackground(Own)}).
	 */
	public Endpoint browserDestination() {
		return browserDestination;
	}

	/** Builder of {@link NativeMessagingOptions}. */
	public static final class Builder {

		private final BrowserExtensionPeer peer;

		private @Nullable InputStream input;

		private @Nullable OutputStream output;

		private ByteOrder byteOrder = ByteOrder.nativeOrder();

		private int maxIncomingBytes = DEFAULT_MAX_INCOMING_BYTES;

		private int maxOutgoingBytes = HOST_TO_BROWSER_LIMIT;

		private int outboundQueueCapacity = DEFAULT_OUTBOUND_QUEUE_CAPACITY;

		private long outboundQueueMaxBytes = DEFAULT_OUTBOUND_QUEUE_MAX_BYTES;

		private int receiverCapacity = 1024;

		private Duration closeTimeout = Duration.ofSeconds(2);

		private Endpoint browserDestination = new Endpoint.BrowserBackground(HostId.OWN);

		private Builder(BrowserExtensionPeer peer) {
			this.peer = Objects.requireNonNull(peer, "peer");
		}

		/** The streams to use instead of {@code System.in} / {@code System.out}. */
		public Builder streams(InputStream in, OutputStream out) {
			this.input = Objects.requireNonNull(in, "in");
			this.output = Objects.requireNonNull(out, "out");
			return this;
		}

		/**
		 * The length prefix's byte order (tests; a browser always uses the native order).
		 */
		public Builder byteOrder(ByteOrder order) {
			this.byteOrder = Objects.requireNonNull(order, "order");
			return this;
		}

		/**
		 * Bound on a message from the browser, 1 KiB to
		 * {@link #BROWSER_TO_HOST_HARD_LIMIT}.
		 */
		public Builder maxIncomingBytes(int bytes) {
			this.maxIncomingBytes = bytes;
			return this;
		}

		/** Bound on a message to the browser, 1 KiB to {@link #HOST_TO_BROWSER_LIMIT}. */
		public Builder maxOutgoingBytes(int bytes) {
			this.maxOutgoingBytes = bytes;
			return this;
		}

		/** Messages queued for the browser, at least 1. */
		public Builder outboundQueueCapacity(int messages) {
			this.outboundQueueCapacity = messages;
			return this;
		}

		/** Bytes queued for the browser, at least {@code maxOutgoingBytes}. */
		public Builder outboundQueueMaxBytes(long bytes) {
			this.outboundQueueMaxBytes = bytes;
			return this;
		}

		/** Messages each receiver buffers, at least 1. */
		public Builder receiverCapacity(int messages) {
			this.receiverCapacity = messages;
			return this;
		}

		/** How long {@code close} lets queued messages drain. */
		public Builder closeTimeout(Duration timeout) {
			this.closeTimeout = Objects.requireNonNull(timeout, "timeout");
			return this;
		}

		/**
		 * The destination written in messages to the browser; must be a Bitwarden variant
		 * (not {@code Named}).
		 */
		public Builder browserDestination(Endpoint destination) {
			this.browserDestination = Objects.requireNonNull(destination, "destination");
			return this;
		}

		/** The options. */
		public NativeMessagingOptions build() {
			range("maxIncomingBytes", maxIncomingBytes, 1024, BROWSER_TO_HOST_HARD_LIMIT);
			range("maxOutgoingBytes", maxOutgoingBytes, 1024, HOST_TO_BROWSER_LIMIT);
			range("outboundQueueCapacity", outboundQueueCapacity, 1, 1 << 20);
			range("receiverCapacity", receiverCapacity, 1, 1 << 20);
			if (outboundQueueMaxBytes < maxOutgoingBytes) {
				throw new IllegalArgumentException("outboundQueueMaxBytes must hold at least one message of "
						+ maxOutgoingBytes + " bytes, got " + outboundQueueMaxBytes);
			}
			if (browserDestination instanceof Endpoint.Named) {
				throw new IllegalArgumentException("browserDestination must be a Bitwarden endpoint variant: the "
						+ "Bitwarden SDK in the browser rejects Named endpoints");
			}
			if (closeTimeout.isNegative()) {
				throw new IllegalArgumentException("closeTimeout must not be negative");
			}
			return new NativeMessagingOptions(this);
		}

		private static void range(String name, int value, int min, int max) {
			if (value < min || value > max) {
				throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", got " + value);
			}
		}

	}

}
