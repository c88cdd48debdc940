/**
 * An in-process transport: endpoints of one JVM connected to an
 * {@link dev.ipc.transport.memory.InMemoryBus}, for tests and for components inside one
 * process. Sends to an endpoint that is not connected fail with
 * {@link dev.ipc.spi.IpcUnreachableException}.
 */
@NullMarked
package dev.ipc.transport.memory;

import org.jspecify.annotations.NullMarked;
