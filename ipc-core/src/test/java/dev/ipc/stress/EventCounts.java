package dev.ipc.stress;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.event.RpcOutcome;
import dev.ipc.model.Endpoint;

/**
 * Counts what a stress node's client, crypto provider and transport report: handshakes
 * started (as initiator and as responder) and failed, every drop by reason, session
 * invalidations by reason, RPC outcomes. {@link #format()} prints them as
 * {@code key=value} words for {@link StressNode}'s {@code stats} command.
 */
final class EventCounts implements IpcEventListener {

	private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

	private void add(String key) {
		counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
	}

	@Override
	public void handshakeStarted(Endpoint peer, String suite, boolean initiator) {
		add(initiator ? "handshake.initiated" : "handshake.answered");
	}

	@Override
	public void handshakeFailed(Endpoint peer, String reason) {
		add("handshake.failed");
	}

	@Override
	public void messageDropped(DropReason reason, @Nullable Endpoint peer) {
		add("drop." + reason);
	}

	@Override
	public void sessionInvalidated(Endpoint peer, String reason) {
		add("invalidated." + reason.replaceAll("[^A-Za-z0-9]+", "_"));
	}

	@Override
	public void rpcClientCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
		add("rpc.client." + outcome);
	}

	@Override
	public void rpcServerCompleted(String requestType, RpcOutcome outcome, long durationNanos) {
		add("rpc.server." + outcome);
	}

	/** The counts, sorted by key, as {@code key=value} words separated by spaces. */
	String format(Map<String, Long> more) {
		Map<String, Long> all = new TreeMap<>(more);
		counts.forEach((key, value) -> all.put(key, value.get()));
		StringBuilder text = new StringBuilder();
		all.forEach((key, value) -> text.append(text.isEmpty() ? "" : " ").append(key).append('=').append(value));
		return text.toString();
	}

}
