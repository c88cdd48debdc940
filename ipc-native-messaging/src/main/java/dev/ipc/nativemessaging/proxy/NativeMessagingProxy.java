package dev.ipc.nativemessaging.proxy;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.nativemessaging.BrowserExtensionPeer;
import dev.ipc.nativemessaging.HostLaunch;
import dev.ipc.nativemessaging.NativeMessagingBackend;
import dev.ipc.nativemessaging.NativeMessagingOptions;
import dev.ipc.nativemessaging.OriginRefusedException;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.ReceiveMarker;
import dev.ipc.transport.socket.SocketTransport;
import dev.ipc.transport.socket.SocketTransportOptions;

/**
 * The program a browser starts as its native messaging host (through a launcher script,
 * see {@link ProxyArguments}): it checks the caller's origin against its allow-list,
 * connects to the running application over the socket transport as the peer
 * {@link BrowserExtensionPeer} {@code browser-extension:<pid>:<origin>}, and relays
 * messages both ways without decrypting them (the Noise session is between the extension
 * and the application). Once connected it writes
 * {@code {"type":"native-messaging-ready"}} to the browser (see
 * {@link NativeMessagingBackend#announceReady()}). It relays to the extension only
 * messages from endpoints the extension addressed (or the fixed {@code --app-endpoint}).
 *
 * <p>
 * Exit codes: {@code 0} when the browser closed the pipe or the application went away
 * (the extension sees its port disconnect), {@code 2} for a bad command line, {@code 3}
 * for a refused origin, {@code 4} when the application is not reachable. On 3 and 4 the
 * browser first receives
 * {@code {"type":"native-messaging-error","error":<code>,"message":<text>}}. Everything
 * the proxy logs goes to stderr (Chrome shows it in its own log); stdout carries only
 * native messaging frames.
 */
public final class NativeMessagingProxy {

	/**
	 * Created on first use, after {@link #main} has pointed {@code System.out} at stderr.
	 */
	private static final class Log {

		static final Logger LOG = LoggerFactory.getLogger(NativeMessagingProxy.class);

	}

	private final ProxyArguments arguments;

	private final NativeMessagingBackend browser;

	private final SocketTransport app;

	private final Set<Endpoint> addressed = ConcurrentHashMap.newKeySet();

	private final CompletableFuture<String> done = new CompletableFuture<>();

	private NativeMessagingProxy(ProxyArguments arguments, NativeMessagingBackend browser, SocketTransport app) {
		this.arguments = arguments;
		this.browser = browser;
		this.app = app;
		Endpoint fixed = arguments.appEndpoint();
		if (fixed != null) {
			addressed.add(fixed);
		}
	}

	/**
	 * Runs the proxy on this process's stdin and stdout, and exits with the codes above.
	 */
	public static void main(String[] args) {
		OutputStream stdout = new FileOutputStream(FileDescriptor.out);
		System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
		System.exit(run(args, new FileInputStream(FileDescriptor.in), stdout));
	}

	/**
	 * Runs the proxy on the given streams until the browser or the application goes away.
	 * @return the exit code
	 */
	public static int run(String[] args, InputStream in, OutputStream out) {
		ProxyArguments arguments;
		try {
			arguments = ProxyArguments.parse(args);
		}
		catch (IllegalArgumentException ex) {
			Log.LOG.error("Bad command line: {}", LogSafe.of(ex.getMessage()));
			return 2;
		}
		HostLaunch launch;
		try {
			launch = HostLaunch.parse(arguments.browserArguments()).requireAllowed(arguments.allowedOrigins());
		}
		catch (OriginRefusedException ex) {
			Log.LOG.warn("Refused to serve: {}", ex.getMessage());
			return refuse(out, ex, 3);
		}
		BrowserExtensionPeer peer = new BrowserExtensionPeer(ProcessHandle.current().pid(), launch.origin(), null);
		SocketTransport app;
		try {
			app = SocketTransport.open(transportOptions(arguments, peer));
			if (!app.awaitConnected(arguments.connectTimeout())) {
				String problem = app.lastConnectionProblem().orElse("no answer");
				app.close();
				return refuse(out,
						new OriginRefusedException("app-unreachable", "the application is not reachable: " + problem),
						4);
			}
		}
		catch (IOException | IpcException ex) {
			return refuse(out, new OriginRefusedException("app-unreachable",
					"the application is not reachable: " + ex.getMessage()), 4);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return 4;
		}
		NativeMessagingBackend browser = NativeMessagingBackend
			.open(NativeMessagingOptions.builder(peer).streams(in, out).build());
		NativeMessagingProxy proxy = new NativeMessagingProxy(arguments, browser, app);
		String reason = proxy.relay();
		Log.LOG.info("Native messaging proxy for {} ends: {}", LogSafe.of(peer.origin()), LogSafe.of(reason));
		browser.close();
		app.close();
		return 0;
	}

	private static SocketTransportOptions transportOptions(ProxyArguments arguments, BrowserExtensionPeer peer) {
		SocketTransportOptions.Builder builder = SocketTransportOptions.builder()
			.endpoint(peer.endpoint())
			.role(SocketTransportOptions.Role.PEER)
			.connectTimeout(arguments.connectTimeout())
			.maxBackoff(Duration.ofMillis(500));
		if (arguments.socket() != null) {
			builder.unixSocket(arguments.socket());
		}
		else {
			builder.tcp(arguments.tcpPort());
		}
		return builder.build();
	}

	private static int refuse(OutputStream out, OriginRefusedException refusal, int code) {
		try {
			NativeMessagingBackend.writeRefusal(out, refusal);
		}
		catch (IOException ex) {
			Log.LOG.debug("Could not tell the browser", ex);
		}
		return code;
	}

	/**
	 * Put behind the browser's last message: the up relay has forwarded everything once
	 * it sees it.
	 */
	private static final class EndOfBrowser extends ReceiveMarker {

		private static final long serialVersionUID = 1L;

		EndOfBrowser(String reason) {
			super(reason);
		}

	}

	/** Relays until one side goes away; returns why. */
	private String relay() {
		app.addDisconnectListener(endpoint -> {
			if (!app.isConnected()) {
				done.complete("the application went away");
			}
		});
		BackendReceiver fromBrowser = browser.subscribe();
		BackendReceiver fromApp = app.subscribe();
		// the backend completes browserClosed after its reader handed over the last
		// message, so the marker queues
		// behind every message of the extension: those still reach the application
		browser.browserClosed().thenAccept(reason -> {
			if (!fromBrowser.insertMarker(new EndOfBrowser(reason))) {
				done.complete(reason);
			}
		});
		Thread up = relayThread("ipc-native-messaging-proxy-up", fromBrowser, this::toApp);
		Thread down = relayThread("ipc-native-messaging-proxy-down", fromApp, this::toBrowser);
		up.start();
		down.start();
		try {
			browser.announceReady();
		}
		catch (IpcException ex) {
			Log.LOG.debug("Could not announce readiness: {}", LogSafe.of(ex.getMessage()));
		}
		String reason = done.join();
		fromBrowser.close();
		fromApp.close();
		return reason;
	}

	private Thread relayThread(String name, BackendReceiver receiver,
			java.util.function.Consumer<IncomingMessage> sink) {
		Thread thread = new Thread(() -> {
			try {
				while (true) {
					try {
						sink.accept(receiver.receive());
					}
					catch (IpcClosedException ex) {
						return;
					}
					catch (EndOfBrowser end) {
						done.complete(end.getMessage());
						return;
					}
					catch (IpcException ex) {
						Log.LOG.warn("Relay {}: {}", name, LogSafe.of(ex.getMessage()));
					}
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, name);
		thread.setDaemon(true);
		return thread;
	}

	private void toApp(IncomingMessage message) {
		Endpoint fixed = arguments.appEndpoint();
		Endpoint destination = fixed != null ? fixed : message.destination();
		addressed.add(destination);
		try {
			app.send(new OutgoingMessage(message.payload(), destination, message.topic()));
		}
		catch (IpcException ex) {
			Log.LOG.debug("Could not relay to {}: {}", LogSafe.of(destination), LogSafe.of(ex.getMessage()));
		}
	}

	private void toBrowser(IncomingMessage message) {
		if (!addressed.contains(message.source().toEndpoint())) {
			Log.LOG.debug("Dropped a message from {}, which the extension never addressed",
					LogSafe.of(message.source()));
			return;
		}
		try {
			browser.send(new OutgoingMessage(message.payload(), browser.peer().endpoint(), message.topic()));
		}
		catch (IpcException ex) {
			Log.LOG.warn("Could not relay to the browser: {}", LogSafe.of(ex.getMessage()));
		}
	}

}
