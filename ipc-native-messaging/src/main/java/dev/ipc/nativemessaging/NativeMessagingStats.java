package dev.ipc.nativemessaging;

/**
 * A snapshot of a {@link NativeMessagingBackend}'s counters, for health and metrics.
 *
 * @param received IPC messages received from the browser
 * @param sent messages written to the browser
 * @param oversizedIncoming browser messages skipped for exceeding the incoming limit
 * @param oversizedOutgoing sends refused for exceeding the browser's limit
 * @param ignoredIncoming browser messages that were not (well-formed) IPC messages
 * @param connected whether the browser still has the pipe open
 */
public record NativeMessagingStats(long received, long sent, long oversizedIncoming, long oversizedOutgoing,
		long ignoredIncoming, boolean connected) {
}
