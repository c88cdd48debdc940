/**
 * The message model shared by every layer: addresses ({@link dev.ipc.model.Endpoint},
 * {@link dev.ipc.model.HostId}), verified senders ({@link dev.ipc.model.Source}), the
 * messages handed to and delivered by a transport, and topic names
 * ({@link dev.ipc.model.Topics}, declared with {@link dev.ipc.model.IpcPayload}). Plain
 * immutable values; constructors reject missing required fields with a
 * {@link NullPointerException}.
 */
@NullMarked
package dev.ipc.model;

import org.jspecify.annotations.NullMarked;
