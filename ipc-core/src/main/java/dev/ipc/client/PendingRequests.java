package dev.ipc.client;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.codec.PayloadCodecException;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Topics;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.rpc.RpcSerializationException;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.spi.IpcException;

/**
 * The pending requests of a client's RPC requester ({@link RpcRequester}): the requests
 * waiting for a response, keyed by request id; matching a response (on the inbound path;
 * a response must come from the endpoint the request went to), completing its future (on
 * the handler executor), expiring requests past their deadline. Thread-safe.
 */
final class PendingRequests {

	private static final Logger log = LoggerFactory.getLogger(PendingRequests.class);

	private final ConcurrentHashMap<String, PendingRequest> map = new ConcurrentHashMap<>();

	private final String name;

	private final RpcEnvelopes envelopes;

	private final IpcEventListener events;

	/** Where completions run. */
	private final Dispatcher dispatcher;

	PendingRequests(String name, RpcEnvelopes envelopes, IpcEventListener events, Dispatcher dispatcher) {
		this.name = name;
		this.envelopes = envelopes;
		this.events = events;
		this.dispatcher = dispatcher;
	}

	void put(String id, PendingRequest request) {
		map.put(id, request);
	}

	void remove(String id) {
		map.remove(id);
	}

	boolean isEmpty() {
		return map.isEmpty();
	}

	Collection<PendingRequest> values() {
		return map.values();
	}

	/** Fails every pending request with {@code cause}. */
	void failAll(IpcException cause) {
		for (PendingRequest request : map.values()) {
			request.future.completeExceptionally(cause);
		}
	}

	/**
	 * Whether a payload on an arbitrary topic could be a response envelope (has a
	 * {@code "request_id"} key).
	 */
	static boolean mayBeResponse(byte[] payload) {
		byte[] key = REQUEST_ID_KEY;
		outer: for (int i = 0; i <= payload.length - key.length; i++) {
			for (int j = 0; j < key.length; j++) {
				if (payload[i + j] != key[j]) {
					continue outer;
				}
			}
			return true;
		}
		return false;
	}

	private static final byte[] REQUEST_ID_KEY = "\"request_id\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

	/**
	 * Completes the request {@code message} answers; {@code from} is its source's
	 * address.
	 */
	void matchResponse(IncomingMessage message, Endpoint from) {
		boolean onResponseTopic = Topics.isRpcResponseTopic(message.topic());
		RpcEnvelopes.ResponseHeader header = envelopes.readResponse(message.payload());
		if (header == null) {
			if (onResponseTopic) {
				events.messageDropped(DropReason.MALFORMED_RPC, from);
			}
			return;
		}
		PendingRequest request = map.get(header.requestId());
		if (request == null || !request.destination.equals(from)) {
			if (onResponseTopic) {
				log.debug("IPC client '{}': response {} from {} matches no pending request", name, header.requestId(),
						from);
				events.messageDropped(DropReason.UNMATCHED_RPC_RESPONSE, from);
			}
			return;
		}
		request.answered = true; // before the completion is queued: a departure or a
									// re-send must leave it alone
		if (request.sync) {
			complete(request, header); // no user code: the waiting caller resumes
		}
		else {
			dispatcher.execute(() -> complete(request, header));
		}
	}

	private void complete(PendingRequest request, RpcEnvelopes.ResponseHeader header) {
		try {
			RpcEnvelopes.Result result = envelopes.bindResult(header, request.responseType);
			if (result.error() != null) {
				request.future.completeExceptionally(new RpcRemoteException(request.requestType, result.error()));
			}
			else {
				request.future.complete(result.value());
			}
		}
		catch (PayloadCodecException ex) {
			request.future.completeExceptionally(new RpcSerializationException(request.requestType,
					new RpcError.ResponseDeserialization(String.valueOf(ex.getMessage())), ex));
		}
	}

	/**
	 * Fails the pending requests whose deadline has passed; returns the earliest deadline
	 * still pending.
	 */
	long expire(long now) {
		long next = Long.MAX_VALUE;
		for (PendingRequest request : map.values()) {
			if (!request.awaitingResponse()) {
				continue;
			}
			if (request.deadlineNanos - now <= 0) {
				dispatcher.execute(() -> request.future
					.completeExceptionally(new RpcTimeoutException(request.requestType, request.timeout)));
			}
			else if (next == Long.MAX_VALUE || request.deadlineNanos - next < 0) {
				next = request.deadlineNanos;
			}
		}
		return next;
	}

}
