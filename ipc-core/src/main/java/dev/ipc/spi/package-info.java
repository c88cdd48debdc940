/**
 * The service provider interfaces the client is built on: the transport
 * ({@link dev.ipc.spi.CommunicationBackend} and its receivers), the encryption
 * ({@link dev.ipc.spi.CryptoProvider}) and the per-peer session store
 * ({@link dev.ipc.spi.SessionRepository}), and the exceptions they fail with, each an
 * {@link dev.ipc.spi.IpcException} classified by {@link dev.ipc.spi.ErrorKind}.
 */
@NullMarked
package dev.ipc.spi;

import org.jspecify.annotations.NullMarked;
