/**
 * Auto-configuration for the IPC client:
 * {@link dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration},
 * {@link dev.ipc.spring.boot.autoconfigure.IpcProperties} ({@code ipc.*}) and
 * {@link dev.ipc.spring.boot.autoconfigure.IpcClientCustomizer}.
 */
@NullMarked
package dev.ipc.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
