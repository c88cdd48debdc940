/**
 * Session repositories: {@link dev.ipc.session.InMemorySessionRepository}, and
 * {@link dev.ipc.session.FileSessionRepository}, durable and encrypted at rest (file
 * format in {@code docs/session-store.md}), with the {@link dev.ipc.session.SessionCodec}
 * that turns sessions into bytes. A store that cannot be written fails with a
 * {@link dev.ipc.spi.ErrorKind#FATAL} error rather than risk reusing a nonce.
 */
@NullMarked
package dev.ipc.session;

import org.jspecify.annotations.NullMarked;
