package dev.ipc.nats;

import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a {@link NatsTransport}'s counters, for health and metrics.
 *
 * @param connected whether the client is connected to a server now
 * @param connectedUrl the server it is connected to, or {@code null}
 * @param reconnects how many times it reconnected (to the same or another server)
 * @param messagesSent application and protocol messages published
 * @param messagesReceived messages handed to the receivers
 * @param malformedDrops incoming messages dropped as malformed (bad subject, body or
 * presence notice)
 * @param oversizedDrops incoming messages dropped as larger than the limit
 * @param sendsRefused sends refused as unreachable (peer absent or no server)
 * @param permissionViolations permissions violations the server reported for this client
 * @param peers endpoints present now
 */
public record NatsTransportStats(boolean connected, @Nullable String connectedUrl, long reconnects, long messagesSent,
		long messagesReceived, long malformedDrops, long oversizedDrops, long sendsRefused, long permissionViolations,
		int peers) {
}
