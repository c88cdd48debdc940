package dev.ipc.spi;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;

/**
 * Encrypts outgoing and decrypts incoming application messages (spec §4.1). A provider has full access to the
 * backend and the session repository through the {@link CryptoContext}, so it can run its own protocol (a
 * handshake, invalidation notices) transparently to the application.
 *
 * <p>Errors are {@link IpcException}s classified by {@link ErrorKind}; ambiguous failures are
 * {@link ErrorKind#OTHER}. Bad input from the wire (a malformed, replayed or forged frame) is dropped and
 * reported through {@link CryptoContext#events()}, never thrown out of {@link #receive}.
 *
 * @param <S> the per-peer session type kept in the {@link SessionRepository}
 */
public interface CryptoProvider<S> {

	/**
	 * Delivers one application message, possibly after exchanging protocol messages (a handshake) with the
	 * destination. Blocks the calling thread while it does so.
	 * @throws IpcUnreachableException if the destination is not connected
	 * @throws IpcException for any other failure, classified
	 */
	void send(CryptoContext<S> context, OutgoingMessage message);

	/**
	 * {@link #send(CryptoContext, OutgoingMessage)} within the caller's own deadline: a provider that runs a
	 * handshake may retry it (a fresh attempt after its per-attempt timeout) until {@code deadlineNanos}, instead of
	 * failing the message at its first handshake timeout. {@code deadlineNanos} is a {@link System#nanoTime()} value;
	 * one already passed still sends if no handshake is needed. The default ignores the deadline and delegates to
	 * {@link #send(CryptoContext, OutgoingMessage)}.
	 * @throws IpcUnreachableException if the destination is not connected (or left during the handshake)
	 * @throws IpcException for any other failure, classified; a handshake that did not complete by the deadline is
	 *     {@link ErrorKind#OTHER}
	 */
	default void send(CryptoContext<S> context, OutgoingMessage message, long deadlineNanos) {
		send(context, message);
	}

	/**
	 * Returns the next application message from {@code receiver}, consuming and answering protocol messages
	 * on the way.
	 * Every exception the receiver throws is passed on unchanged, in particular a {@link ReceiveMarker} (the client
	 * uses markers to handle a departure in order with the messages) and a {@link ReceiverLaggedException}.
	 * @throws IpcClosedException when the receiver is closed
	 * @throws IpcException for a classified receive failure
	 * @throws InterruptedException if the thread is interrupted while waiting
	 */
	IncomingMessage receive(CryptoContext<S> context, BackendReceiver receiver) throws InterruptedException;

	/**
	 * Told that {@code peer} left the transport (the backend reported it disconnected). Called by the client after
	 * every message the peer sent before leaving has been passed through {@link #receive}, so nothing still queued
	 * from it becomes undecryptable. A provider forgets what it keeps for that peer (its session, in memory and in
	 * the repository, and any handshake in progress), so a peer that rejoins starts with a fresh handshake instead of
	 * losing its first message to an invalidation (as Bitwarden's implementation does since it fixed the same
	 * problem). Must not block on the network. The default does nothing.
	 */
	default void peerDisconnected(CryptoContext<S> context, Endpoint peer) {
	}

	/**
	 * Prepares what is slow the first time in a fresh JVM (key generation, cipher, MAC and digest providers, the
	 * random source), so that the first handshake after start does not run into its timeout. Called by the client
	 * when it starts, before it sends or receives; idempotent and cheap after the first call; never touches the
	 * network and never throws (a provider that cannot warm up fails later, on first use, with its usual error).
	 * The default does nothing.
	 */
	default void warmUp() {
	}

}
