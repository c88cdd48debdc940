package dev.ipc.nativemessaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.client.NamedThreadFactory;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.transport.DisconnectListeners;
import dev.ipc.transport.ReceiverFanout;

/**
 * A {@link CommunicationBackend} that is a browser's native messaging host: the browser
 * started this process for one extension ({@code chrome.runtime.connectNative}) and talks
 * to it on stdin/stdout, each message a 4-byte length in native byte order followed by
 * UTF-8 JSON in Bitwarden's {@code bitwarden-ipc-message} wrapper, so that extension code
 * written for Bitwarden's desktop app works unchanged (see
 * {@code docs/native-messaging.md}).
 *
 * <p>
 * The one peer is the extension, {@link NativeMessagingOptions#peer()}: every incoming
 * message carries its {@link BrowserExtensionPeer#source()}, and {@link #send} delivers
 * only to its {@link BrowserExtensionPeer#endpoint()} (anything else is
 * {@link IpcUnreachableException}). Check the browser's arguments with
 * {@link HostLaunch#parse}{@code .requireAllowed(...)} before opening it.
 *
 * <p>
 * Limits: a message to the browser longer than
 * {@link NativeMessagingOptions#maxOutgoingBytes()} (the browser's 1 MiB at most) fails
 * {@code send} with an {@link ErrorKind#OTHER} {@link IpcException} saying so (there is
 * no fragmentation yet); a message from the browser longer than
 * {@link NativeMessagingOptions#maxIncomingBytes()} is skipped without being buffered and
 * counted; a full outbound queue (messages or bytes) fails {@code send}. Messages that
 * are not IPC messages are counted and ignored.
 *
 * <p>
 * When the browser closes the pipe (the extension disconnected the port, or the browser
 * exited), disconnect listeners hear of the peer, {@link #browserClosed()} completes,
 * receivers keep what they buffered and {@code send} fails with
 * {@link IpcUnreachableException}; the host program should then {@link #close()} and
 * exit. Two named daemon threads ({@code ipc-native-messaging-reader-...},
 * {@code -writer-...}) end on {@code close}.
 */
public final class NativeMessagingBackend implements CommunicationBackend {

	private static final Logger log = LoggerFactory.getLogger(NativeMessagingBackend.class);

	/**
	 * Warnings about the same kind of bad input after which further ones are logged at
	 * debug.
	 */
	private static final int WARNINGS_PER_KIND = 5;

	private static final byte[] POISON = new byte[0];

	private final NativeMessagingOptions options;

	private final BrowserExtensionPeer peer;

	private final Endpoint peerEndpoint;

	private final NativeMessagingFrames frames;

	private final ReceiverFanout fanout;

	private final ArrayDeque<IncomingMessage> held = new ArrayDeque<>();

	private final ArrayBlockingQueue<byte[]> outbound;

	private final DisconnectListeners disconnectListeners = new DisconnectListeners();

	private final CompletableFuture<String> browserClosed = new CompletableFuture<>();

	private final AtomicBoolean closed = new AtomicBoolean();

	/**
	 * Set once the browser is gone, before disconnect listeners run and
	 * {@link #browserClosed} completes.
	 */
	private final AtomicBoolean gone = new AtomicBoolean();

	private final AtomicLong queuedBytes = new AtomicLong();

	private final AtomicLong received = new AtomicLong();

	private final AtomicLong sent = new AtomicLong();

	private final AtomicLong oversizedIncoming = new AtomicLong();

	private final AtomicLong oversizedOutgoing = new AtomicLong();

	private final AtomicLong ignoredIncoming = new AtomicLong();

	private final Thread reader;

	private final Thread writer;

	private volatile boolean subscribed;

	private NativeMessagingBackend(NativeMessagingOptions options) {
		this.options = options;
		this.peer = options.peer();
		this.peerEndpoint = peer.endpoint();
		this.frames = new NativeMessagingFrames(options.byteOrder());
		this.fanout = new ReceiverFanout(options.receiverCapacity());
		this.outbound = new ArrayBlockingQueue<>(options.outboundQueueCapacity() + 1);
		NamedThreadFactory threads = new NamedThreadFactory("ipc-native-messaging-" + peer.connection());
		this.reader = threads.newThread(this::readLoop);
		this.reader.setName("ipc-native-messaging-reader-" + peer.connection());
		this.writer = threads.newThread(this::writeLoop);
		this.writer.setName("ipc-native-messaging-writer-" + peer.connection());
	}

	/** Opens the backend and starts reading the browser's messages. */
	public static NativeMessagingBackend open(NativeMessagingOptions options) {
		NativeMessagingBackend backend = new NativeMessagingBackend(options);
		backend.reader.start();
		backend.writer.start();
		return backend;
	}

	/** The extension this backend serves. */
	public BrowserExtensionPeer peer() {
		return peer;
	}

	/**
	 * Completes, with the reason, when the browser has closed the pipe (or the backend
	 * was closed); the host program then closes the backend and exits.
	 */
	public CompletableFuture<String> browserClosed() {
		return browserClosed;
	}

	/** Counters for health and metrics. */
	public NativeMessagingStats stats() {
		return new NativeMessagingStats(received.get(), sent.get(), oversizedIncoming.get(), oversizedOutgoing.get(),
				ignoredIncoming.get(), !gone.get());
	}

	/**
	 * Writes a refusal notice
	 * ({@code {"type":"native-messaging-error","error":<code>,"message":<text>}}) to the
	 * browser, for a host that refuses to serve (for example an origin not on its
	 * allow-list) and exits right after.
	 * @throws IOException if the browser's pipe is already closed
	 */
	public static void writeRefusal(OutputStream out, OriginRefusedException refusal) throws IOException {
		new NativeMessagingFrames(java.nio.ByteOrder.nativeOrder()).write(out,
				BitwardenWrapper.error(refusal.code(), refusal.getMessage()));
	}

	/**
	 * Tells the extension that IPC messages sent from now on will be processed:
	 * {@code {"type":"native-messaging-ready"}}. A browser starts the host when the
	 * extension connects, and the host may need longer to start (a JVM, a connection to
	 * the application) than the Bitwarden SDK's 2-second handshake timeout; an extension
	 * that waits for this notice before its first IPC message avoids a failed first
	 * handshake. Extensions that do not know the notice ignore it (it is not a
	 * {@code bitwarden-ipc-message}).
	 * @throws IpcException classified {@link ErrorKind#OTHER} if the outbound queue is
	 * full
	 */
	public void announceReady() {
		if (closed.get() || gone.get()) {
			throw new IpcClosedException("The browser is gone");
		}
		enqueue(BitwardenWrapper.ready());
	}

	@Override
	public void send(OutgoingMessage message) {
		if (closed.get()) {
			throw new IpcClosedException("The native messaging backend is closed");
		}
		if (!message.destination().equals(peerEndpoint)) {
			throw new IpcUnreachableException(message.destination(),
					"this native messaging host only reaches its browser extension " + LogSafe.escape(peerEndpoint));
		}
		if (gone.get()) {
			throw new IpcUnreachableException(message.destination(), "the browser closed the connection");
		}
		byte[] body = BitwardenWrapper.encode(options.browserDestination(), message.payload(), message.topic());
		if (body.length > options.maxOutgoingBytes()) {
			oversizedOutgoing.incrementAndGet();
			throw new IpcException(ErrorKind.OTHER,
					"The message is " + body.length
							+ " bytes in native messaging's JSON wrapper, over the browser's limit of "
							+ options.maxOutgoingBytes() + " bytes for a message to the browser; messages are not "
							+ "fragmented (yet), so send less per message");
		}
		enqueue(body);
	}

	private void enqueue(byte[] body) {
		if (queuedBytes.addAndGet(body.length) > options.outboundQueueMaxBytes()
				|| outbound.size() >= options.outboundQueueCapacity() || !outbound.offer(body)) {
			queuedBytes.addAndGet(-body.length);
			throw new IpcException(ErrorKind.OTHER,
					"The queue of messages to the browser is full (" + options.outboundQueueCapacity() + " messages or "
							+ options.outboundQueueMaxBytes() + " bytes): the browser is not reading");
		}
	}

	@Override
	public BackendReceiver subscribe() {
		if (closed.get()) {
			throw new IpcClosedException("The native messaging backend is closed");
		}
		synchronized (held) {
			BackendReceiver receiver = fanout.subscribe();
			subscribed = true;
			while (!held.isEmpty()) {
				fanout.publish(held.poll());
			}
			return receiver;
		}
	}

	@Override
	public Set<Endpoint> reachableEndpoints() {
		return gone.get() ? Set.of() : Set.of(peerEndpoint);
	}

	@Override
	public boolean isConnected() {
		return !gone.get();
	}

	@Override
	public void addDisconnectListener(Consumer<Endpoint> listener) {
		disconnectListeners.add(listener);
	}

	@Override
	public void close() {
		if (!closed.compareAndSet(false, true)) {
			return;
		}
		outbound.offer(POISON);
		try {
			writer.join(Math.max(1, options.closeTimeout().toMillis()));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		writer.interrupt();
		try {
			options.input().close();
		}
		catch (IOException ex) {
			log.debug("Closing the browser's input failed", ex);
		}
		reader.interrupt();
		browserGone("the backend was closed");
		fanout.close();
	}

	@Override
	public String toString() {
		return "NativeMessagingBackend[" + LogSafe.escape(peer.endpointName()) + "]";
	}

	// ------------------------------------------------------------------ threads

	private void readLoop() {
		InputStream in = options.input();
		String reason = "the browser closed the pipe";
		try {
			while (!closed.get()) {
				byte[] body;
				try {
					body = frames.read(in, options.maxIncomingBytes());
				}
				catch (NativeMessagingFrames.OversizedFrameException ex) {
					long count = oversizedIncoming.incrementAndGet();
					warn(count, "Skipped a message from the browser extension {}: {}", ex.getMessage());
					continue;
				}
				if (body == null) {
					break;
				}
				deliver(body);
			}
		}
		catch (NativeMessagingFrames.TruncatedFrameException ex) {
			reason = ex.getMessage();
			log.warn("Browser extension {}: {}", LogSafe.of(peer.origin()), ex.getMessage());
		}
		catch (IOException ex) {
			reason = closed.get() ? "the backend was closed" : "reading from the browser failed: " + ex.getMessage();
			if (!closed.get()) {
				log.warn("Reading from the browser failed for extension {}", LogSafe.of(peer.origin()), ex);
			}
		}
		browserGone(reason);
	}

	private void deliver(byte[] body) {
		BitwardenWrapper.Decoded decoded;
		try {
			decoded = BitwardenWrapper.decode(body);
		}
		catch (BitwardenWrapper.NotAnIpcMessageException ex) {
			long count = ignoredIncoming.incrementAndGet();
			warn(count, "Ignored a message from the browser extension {}: {}", ex.getMessage());
			return;
		}
		received.incrementAndGet();
		IncomingMessage message = new IncomingMessage(decoded.payload(), decoded.destination(), peer.source(),
				decoded.topic());
		if (!subscribed) {
			synchronized (held) {
				if (!subscribed) {
					if (held.size() >= options.receiverCapacity()) {
						held.poll();
					}
					held.add(message);
					return;
				}
			}
		}
		fanout.publish(message);
	}

	private void writeLoop() {
		OutputStream out = options.output();
		try {
			while (true) {
				byte[] body = outbound.take();
				if (body == POISON) {
					return;
				}
				queuedBytes.addAndGet(-body.length);
				frames.write(out, body);
				sent.incrementAndGet();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (IOException ex) {
			if (!closed.get()) {
				log.info("Writing to the browser failed for extension {} ({}): the browser is gone",
						LogSafe.of(peer.origin()), ex.toString());
				browserGone("writing to the browser failed");
			}
		}
	}

	private void browserGone(String reason) {
		if (!gone.compareAndSet(false, true)) {
			return;
		}
		log.debug("Browser extension {} left: {}", LogSafe.of(peer.origin()), LogSafe.of(reason));
		disconnectListeners.fire(peerEndpoint);
		browserClosed.complete(reason);
	}

	private void warn(long count, String format, String detail) {
		if (count <= WARNINGS_PER_KIND) {
			log.warn(format, LogSafe.of(peer.origin()), LogSafe.of(detail));
		}
		else {
			log.debug(format, LogSafe.of(peer.origin()), LogSafe.of(detail));
		}
	}

}
