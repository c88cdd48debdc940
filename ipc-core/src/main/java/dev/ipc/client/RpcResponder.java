package dev.ipc.client;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.codec.PayloadCodecException;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.event.RpcOutcome;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Topics;
import dev.ipc.observation.IpcObserver;
import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcHandlerException;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * The responder side of a client's RPC: reads a request envelope, drops a repeated
 * {@code (source,
 * request_id)}, finds the handler, runs it and sends its reply (or an error reply). Runs
 * on the handler executor, never on the inbound path. A reply that cannot be sent is
 * replaced by a small error reply where possible, so the requester does not wait out its
 * timeout; what cannot be answered at all is logged and counted ({@code sendFailed}).
 */
final class RpcResponder {

	private static final Logger log = LoggerFactory.getLogger(RpcResponder.class);

	private final ClientState state;

	private final Sender sender;

	private final String name;

	private final RpcEnvelopes envelopes;

	private final RpcHandlerRegistry handlers;

	private final RecentRequests recentRequests;

	private final IpcEventListener events;

	private final WarningLimiter unansweredWarnings;

	private final WarningLimiter badRequestWarnings;

	private final IpcObserver observer;

	/**
	 * What a caller learns about a request body that does not bind: never the detail,
	 * which names our classes.
	 */
	static final String BAD_REQUEST_TEXT = "the request body does not match the handler's request type";

	RpcResponder(ClientState state, Sender sender, RpcEnvelopes envelopes, RpcHandlerRegistry handlers,
			RecentRequests recentRequests, IpcEventListener events, java.time.Duration warningInterval,
			IpcObserver observer) {
		this.state = state;
		this.sender = sender;
		this.name = state.name();
		this.envelopes = envelopes;
		this.handlers = handlers;
		this.recentRequests = recentRequests;
		this.events = events;
		this.unansweredWarnings = new WarningLimiter(warningInterval);
		this.observer = observer;
		this.badRequestWarnings = new WarningLimiter(warningInterval);
	}

	/** Serves the request in {@code message}; {@code replyTo} is its source's address. */
	void serve(IncomingMessage message, Endpoint replyTo) {
		long start = System.nanoTime();
		RpcEnvelopes.RequestHeader header = envelopes.readRequest(message.payload());
		if (header == null) {
			log.debug("IPC client '{}': dropping an RPC request from {} without a readable request_id", name, replyTo);
			events.messageDropped(DropReason.MALFORMED_RPC, replyTo);
			return;
		}
		String id = header.requestId();
		String type = header.requestType();
		if (!recentRequests.firstTime(replyTo, id)) {
			// the requester re-sent it (it thought we could not decrypt it) or it is
			// replayed: never run a handler twice
			log.debug("IPC client '{}': dropping a repeated RPC request from {} (its id was served recently)", name,
					replyTo);
			events.messageDropped(DropReason.DUPLICATE_RPC_REQUEST, replyTo);
			return;
		}
		String responseTopic = (header.responseTopic() != null) ? header.responseTopic() : Topics.RPC_RESPONSE;
		RpcHandlerRegistry.Entry entry = handlers.find(type);
		// the handler lookup bounds the peer-chosen type name before it becomes a tag
		IpcObserver.Exchange observation = observer.rpcServer((entry != null) ? type : "unknown", message.source(), id,
				header.context());
		if (entry == null) {
			reply(replyTo, responseTopic, envelopes.encodeErr(RpcError.NO_HANDLER_FOUND, id, type), id, type);
			events.rpcServerCompleted("unknown", RpcOutcome.NO_HANDLER, System.nanoTime() - start);
			observation.stop(RpcOutcome.NO_HANDLER, null);
			return;
		}
		Object request;
		try {
			request = envelopes.bindRequest(header.body(), entry.requestClass());
		}
		catch (PayloadCodecException | IllegalArgumentException ex) {
			// the detail names our classes and quotes the peer's data: it stays in the
			// log
			if (badRequestWarnings.allow()) {
				log.warn(
						"IPC client '{}': a {} request from {} does not match {} ({}; logged at warn at most every {} s)",
						name, LogSafe.of(type), replyTo, entry.requestClass().getName(), LogSafe.of(ex.getMessage()),
						badRequestWarnings.intervalSeconds());
			}
			else {
				log.debug("IPC client '{}': a {} request from {} does not match {}: {}", name, LogSafe.of(type),
						replyTo, entry.requestClass().getName(), LogSafe.of(ex.getMessage()));
			}
			reply(replyTo, responseTopic,
					envelopes.encodeErr(new RpcError.RequestDeserialization(BAD_REQUEST_TEXT), id, type), id, type);
			events.rpcServerCompleted(type, RpcOutcome.BAD_REQUEST, System.nanoTime() - start);
			observation.stop(RpcOutcome.BAD_REQUEST, ex);
			return;
		}
		RpcContext context = new RpcContext(message.source(), message.destination(), id, type);
		CompletionStage<?> stage;
		try (IpcObserver.Scope scope = observation.openScope()) {
			stage = Objects.requireNonNull(entry.handler().handle(request, context),
					"handler returned no result stage");
		}
		catch (Exception | Error ex) {
			replyFailure(replyTo, responseTopic, id, type, ex, start, observation);
			return;
		}
		stage.whenComplete((value, failure) -> {
			if (failure != null) {
				replyFailure(replyTo, responseTopic, id, type, failure, start, observation);
				return;
			}
			byte[] body;
			try {
				body = envelopes.encodeOk(value, id, type);
			}
			catch (PayloadCodecException ex) {
				log.warn("IPC client '{}': the response of the {} handler cannot be serialized: {}", name, type,
						ex.getMessage());
				reply(replyTo, responseTopic,
						envelopes.encodeErr(
								new RpcError.ResponseSerialization(REPLY_NOT_SENT + "the result could not be encoded"),
								id, type),
						id, type);
				events.rpcServerCompleted(type, RpcOutcome.HANDLER_ERROR, System.nanoTime() - start);
				observation.stop(RpcOutcome.HANDLER_ERROR, ex);
				return;
			}
			boolean sent = reply(replyTo, responseTopic, body, id, type);
			events.rpcServerCompleted(type, sent ? RpcOutcome.SUCCESS : RpcOutcome.FAILED, System.nanoTime() - start);
			observation.stop(sent ? RpcOutcome.SUCCESS : RpcOutcome.FAILED, null);
		});
	}

	private void replyFailure(Endpoint replyTo, String topic, String id, String type, Throwable failure, long start,
			IpcObserver.Exchange observation) {
		Throwable cause = RpcFailures.unwrap(failure);
		String text;
		if (cause instanceof RpcHandlerException) {
			text = String.valueOf(cause.getMessage());
			log.debug("IPC client '{}': the {} handler refused a request: {}", name, type, text);
		}
		else {
			text = "handler failed: " + cause.getClass().getSimpleName();
			log.warn("IPC client '{}': the {} handler failed", name, type, cause);
		}
		reply(replyTo, topic, envelopes.encodeErr(new RpcError.ResponseSerialization(text), id, type), id, type);
		events.rpcServerCompleted(type, RpcOutcome.HANDLER_ERROR, System.nanoTime() - start);
		observation.stop(RpcOutcome.HANDLER_ERROR, cause);
	}

	/** The start of the error text sent when a reply could not be sent as produced. */
	private static final String REPLY_NOT_SENT = "response could not be sent: ";

	/**
	 * Sends a reply. When the transport or the provider refuses it for a reason other
	 * than the peer being gone or the client stopping (kind {@code OTHER}: too large, not
	 * encodable for the transport), the caller would otherwise wait its whole timeout, so
	 * a small {@code ResponseSerialization} error reply goes out instead; only if that
	 * also fails is the request left unanswered (logged, and counted by
	 * {@code sendFailed}).
	 * @return whether {@code body} itself was sent
	 */
	private boolean reply(Endpoint destination, String topic, byte[] body, String id, String type) {
		try {
			sender.send(new OutgoingMessage(body, destination, topic));
			return true;
		}
		catch (IpcException ex) {
			// the sender has logged it and stopped the client if it was fatal (spec §8
			// item 9)
			if (ex.kind() != ErrorKind.OTHER || !state.isRunning()) {
				return false;
			}
		}
		byte[] fallback;
		try {
			fallback = envelopes.encodeErr(new RpcError.ResponseSerialization(
					REPLY_NOT_SENT + "the transport refused a reply of " + body.length + " bytes"), id, type);
			sender.send(new OutgoingMessage(fallback, destination, topic));
		}
		catch (IpcException ex) {
			if (unansweredWarnings.allow()) {
				log.warn(
						"IPC client '{}': the {} request from {} is left unanswered: neither its reply nor an error "
								+ "reply could be sent ({}; logged at warn at most every {} s)",
						name, type, destination, ex.getMessage(), unansweredWarnings.intervalSeconds());
			}
			else {
				log.debug("IPC client '{}': the {} request from {} is left unanswered: {}", name, type, destination,
						ex.getMessage());
			}
		}
		return false;
	}

}
