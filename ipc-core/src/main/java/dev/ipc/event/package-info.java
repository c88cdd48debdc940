/**
 * Observable events of a client, its transport and its crypto provider (messages sent,
 * received and dropped, RPC outcomes, handshakes, state changes), reported to an
 * {@link dev.ipc.event.IpcEventListener}. Listeners must be fast and must not block; an
 * exception thrown by one is logged and does not reach the client.
 */
@NullMarked
package dev.ipc.event;

import org.jspecify.annotations.NullMarked;
