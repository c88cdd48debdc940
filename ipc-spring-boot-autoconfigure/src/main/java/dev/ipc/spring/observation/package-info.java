/**
 * Micrometer observations of the IPC client: RPC client and server, send and receive. The
 * contexts, the conventions applications may replace ({@code Ipc*ObservationConvention},
 * with {@code DefaultIpc*} defaults), and the
 * {@link dev.ipc.spring.observation.MicrometerIpcObserver} that creates them from the
 * core's {@link dev.ipc.observation.IpcObserver} hook.
 */
@NullMarked
package dev.ipc.spring.observation;

import org.jspecify.annotations.NullMarked;
