/**
 * The client API ({@link dev.ipc.client.IpcClient}, built by
 * {@link dev.ipc.client.IpcClientBuilder}): publish/subscribe and RPC between processes
 * over a {@link dev.ipc.spi.CommunicationBackend}, every message through a
 * {@link dev.ipc.spi.CryptoProvider}. The default implementation and its parts are
 * package-private.
 */
@NullMarked
package dev.ipc.client;

import org.jspecify.annotations.NullMarked;
