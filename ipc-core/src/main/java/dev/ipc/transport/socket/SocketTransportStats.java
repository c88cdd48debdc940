package dev.ipc.transport.socket;

/**
 * A snapshot of a {@link SocketTransport}'s counters, for health and metrics. Counts are
 * totals since the transport was opened.
 *
 * @param role the current role: {@link SocketTransportOptions.Role#HOST},
 * {@link SocketTransportOptions.Role#PEER}, or {@link SocketTransportOptions.Role#AUTO}
 * while an auto transport has not settled yet
 * @param connected whether the transport serves (host) or is connected to a host (peer)
 * @param connectedPeers the endpoints currently reachable besides this one
 * @param connectionsAccepted connections a host accepted (before their handshake)
 * @param connectionsRejected connections a host refused: OS user not allowed, connection
 * cap, endpoint in use, unsupported version, protocol error
 * @param helloTimeouts connections a host closed because no {@code Hello} came in time
 * @param malformedFrames frames that could not be decoded, or streams that ended inside a
 * frame
 * @param oversizedFrames frames over the size limit (the connection that sent one is
 * closed)
 * @param overflowDrops frames dropped because a connection's outbound queue was full
 * @param undeliverable messages a host could not route because their destination was not
 * connected
 * @param connects successful connections of a peer to a host (the first one and every
 * reconnection)
 * @param staleSocketsReplaced stale socket files a host replaced
 * @param rejectionsByReason {@code connectionsRejected} by reject reason
 * ({@code TooManyConnections}, {@code ProtocolError}, {@code InvalidEndpoint}, ...), plus
 * {@code HelloTimeout} for connections closed for want of a {@code Hello}
 * @param evictions connections a host closed to make room for a newcomer: a registered
 * peer silent for longer than {@link SocketTransportOptions#idleEvictionAfter()}, or a
 * handshaking one that had waited too long
 * @param heldUntilSubscribed incoming messages that arrived before the first receiver
 * subscribed and were held for it
 * @param noReceiverDrops incoming messages dropped because no receiver was subscribed:
 * beyond the bound of messages held for the first receiver, or after every receiver
 * closed
 */
public record SocketTransportStats(SocketTransportOptions.Role role, boolean connected, int connectedPeers,
		long connectionsAccepted, long connectionsRejected, long helloTimeouts, long malformedFrames,
		long oversizedFrames, long overflowDrops, long undeliverable, long connects, long staleSocketsReplaced,
		java.util.Map<String, Long> rejectionsByReason, long evictions, long heldUntilSubscribed,
		long noReceiverDrops) {

	public SocketTransportStats {
		rejectionsByReason = java.util.Map.copyOf(rejectionsByReason);
	}

}
