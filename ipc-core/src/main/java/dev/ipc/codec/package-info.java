/**
 * JSON encoding of payloads and of the model types in Bitwarden's wire form
 * ({@link dev.ipc.codec.PayloadCodec}, {@link dev.ipc.codec.IpcJsonModule}, on Jackson).
 * Malformed input fails with a {@link dev.ipc.codec.PayloadCodecException} that never
 * quotes payload content.
 */
@NullMarked
package dev.ipc.codec;

import org.jspecify.annotations.NullMarked;
