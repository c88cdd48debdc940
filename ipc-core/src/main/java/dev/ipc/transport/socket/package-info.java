/**
 * The socket transport: processes on one machine over a Unix domain socket or TCP, one of
 * them the host that routes between the others
 * ({@link dev.ipc.transport.socket.SocketTransport}). The wire protocol is in
 * {@code docs/transport-protocol.md}; what a peer may make the host spend, and the limits
 * that bound it, in {@code docs/limits.md}.
 */
@NullMarked
package dev.ipc.transport.socket;

import org.jspecify.annotations.NullMarked;
