package dev.ipc.spi;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;

/**
 * Encrypts outgoing and decrypts incoming application messages (spec §4.1). A provider
 * has full access to the backend and the session repository through the
 * {@link CryptoContext}, so it can run its own protocol (a handshake, invalidation
 * notices) transparently to the application.
 *
 * <p>
 * Errors are {@link IpcException}s classified by {@link ErrorKind}; ambiguous failures
 * are {@link ErrorKind#OTHER}. Bad input from the wire (a malformed, replayed or forged
 * frame) is dropped and reported through {@link CryptoContext#events()}, never thrown out
 * of {@link #process}.
 *
 * @param <S> the per-peer session type kept in the {@link SessionRepository}
 */
public interface CryptoProvider<S> {

	/**
	 * Delivers one application message, possibly after exchanging protocol messages (a
	 * handshake) with the destination. Blocks the calling thread while it does so.
	 * @throws IpcUnreachableException if the destination is not connected
	 * @throws IpcException for any other failure, classified
	 */
	void send(CryptoContext<S> context, OutgoingMessage message);

	/**
	 * {@link #send(CryptoContext, OutgoingMessage)} within the caller's own deadline: a
	 * provider that runs a handshake may retry it (a fresh attempt after its per-attempt
	 * timeout) until {@code deadlineNanos}, instead of failing the message at its first
	 * handshake timeout. {@code deadlineNanos} is a {@link System#nanoTime()} value; one
	 * already passed still sends if no handshake is needed. The default ignores the
	 * deadline and delegates to {@link #send(CryptoContext, OutgoingMessage)}.
	 * @throws IpcUnreachableException if the destination is not connected (or left during
	 * the handshake)
	 * @throws IpcException for any other failure, classified; a handshake that did not
	 * complete by the deadline is {@link ErrorKind#OTHER}
	 */
	default void send(CryptoContext<S> context, OutgoingMessage message, long deadlineNanos) {
		send(context, message);
	}

	/**
	 * Processes one incoming frame: returns the application message it carries
	 * (decrypted), or {@code null} for a protocol frame the provider consumed (a
	 * handshake message, an invalidation) or a bad frame it dropped (reported through
	 * {@link CryptoContext#events()}). Answering a protocol frame is a send, which is
	 * allowed; waiting is not: this runs on the transport's delivering thread
	 * ({@link BackendReceiver#deliverTo push delivery}), unless
	 * {@link #processMayBlock()} says otherwise. A sender waiting for a handshake in
	 * {@link #send(CryptoContext, OutgoingMessage)} is completed from here, when the
	 * answer comes in; so a provider that handshakes needs its client's inbound path
	 * running. The client calls it for one frame at a time, in the order of the stream,
	 * with {@link #peerDisconnected} in the same order.
	 * @return the application message, or {@code null} if the frame carried none
	 * @throws IpcException kind {@link ErrorKind#FATAL} when the provider can never work
	 * again (a failing session repository); never for bad input from the wire
	 */
	@Nullable IncomingMessage process(CryptoContext<S> context, IncomingMessage frame);

	/**
	 * Whether {@link #process} may block (wait for a lock held across I/O, a remote key
	 * service, a test's gate). A client then runs it on a receive thread of its own
	 * instead of the transport's delivering thread. The default is {@code false}.
	 */
	default boolean processMayBlock() {
		return false;
	}

	/**
	 * Pull-style convenience over {@link #process}: returns the next application message
	 * from {@code receiver}, passing protocol frames through {@code process} on the way.
	 * Every exception the receiver throws is passed on unchanged, in particular a
	 * {@link ReceiveMarker} and a {@link ReceiverLaggedException}.
	 * @throws IpcClosedException when the receiver is closed
	 * @throws IpcException for a classified receive failure
	 * @throws InterruptedException if the thread is interrupted while waiting
	 */
	default IncomingMessage receive(CryptoContext<S> context, BackendReceiver receiver) throws InterruptedException {
		while (true) {
			IncomingMessage application = process(context, receiver.receive());
			if (application != null) {
				return application;
			}
		}
	}

	/**
	 * Told that {@code peer} left the transport (the backend reported it disconnected).
	 * Called by the client in the order of its inbound stream: after every message the
	 * peer sent before leaving has been passed through {@link #process}, so nothing still
	 * queued from it becomes undecryptable. A provider forgets what it keeps for that
	 * peer (its session, in memory and in the repository, and any handshake in progress),
	 * so a peer that rejoins starts with a fresh handshake instead of losing its first
	 * message to an invalidation (as Bitwarden's implementation does since it fixed the
	 * same problem). Must not block on the network. The default does nothing.
	 */
	default void peerDisconnected(CryptoContext<S> context, Endpoint peer) {
	}

	/**
	 * Prepares what is slow the first time in a fresh JVM (key generation, cipher, MAC
	 * and digest providers, the random source), so that the first handshake after start
	 * does not run into its timeout. Called by the client when it starts, before it sends
	 * or receives; idempotent and cheap after the first call; never touches the network
	 * and never throws (a provider that cannot warm up fails later, on first use, with
	 * its usual error). The default does nothing.
	 */
	default void warmUp() {
	}

}
