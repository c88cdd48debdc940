package dev.ipc.client;

import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.IpcEventListener;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * A client's addressed sends (messages, RPC requests and replies): waits for a noticed
 * departure of the destination to be handled ({@link Departures#awaitDeparturesOf}),
 * hands the message to the crypto provider, reports it to the event listener, and
 * classifies a failure (spec §2.3): a {@link ErrorKind#FATAL} one stops the client (the
 * one signal that goes up, to the life cycle), {@code OTHER} is logged at warn; every
 * failure is thrown to the caller.
 */
final class Sender {

	private static final Logger log = LoggerFactory.getLogger(Sender.class);

	/** {@link #send(OutgoingMessage, long)} without a deadline of the caller's own. */
	private static final long NO_DEADLINE = Long.MIN_VALUE;

	private final String name;

	private final CryptoProvider<Object> crypto;

	private final CryptoContext<Object> cryptoContext;

	private final IpcEventListener events;

	private final Departures departures;

	private final Consumer<IpcException> stopOnFatal;

	Sender(String name, CryptoProvider<Object> crypto, CryptoContext<Object> cryptoContext, IpcEventListener events,
			Departures departures, Consumer<IpcException> stopOnFatal) {
		this.name = name;
		this.crypto = crypto;
		this.cryptoContext = cryptoContext;
		this.events = events;
		this.departures = departures;
		this.stopOnFatal = stopOnFatal;
	}

	/** Sends with the provider's own handshake timeout. */
	void send(OutgoingMessage message) {
		send(message, NO_DEADLINE);
	}

	/**
	 * Sends; an RPC request passes its own deadline, within which the provider may retry
	 * a handshake that did not complete ({@link #NO_DEADLINE}: the provider's own
	 * handshake timeout governs).
	 */
	void send(OutgoingMessage message, long deadlineNanos) {
		departures.awaitDeparturesOf(message.destination());
		try {
			if (deadlineNanos == NO_DEADLINE) {
				crypto.send(cryptoContext, message);
			}
			else {
				crypto.send(cryptoContext, message, deadlineNanos);
			}
		}
		catch (IpcException ex) {
			events.sendFailed(message.topic(), message.destination(), ex.kind());
			if (ex.kind() == ErrorKind.FATAL) {
				fatal(ex);
			}
			else if (ex.kind() == ErrorKind.OTHER) {
				log.warn("IPC client '{}': send to {} failed: {}", name, message.destination(), ex.getMessage());
			}
			throw ex;
		}
		events.messageSent(message.topic(), message.destination(), message.payload().length);
	}

	/** Logs a fatal send error and stops the client (also for a publication's). */
	void fatal(IpcException ex) {
		log.error("IPC client '{}' stops: fatal send error: {}", name, ex.getMessage(), ex);
		stopOnFatal.accept(ex);
	}

}
