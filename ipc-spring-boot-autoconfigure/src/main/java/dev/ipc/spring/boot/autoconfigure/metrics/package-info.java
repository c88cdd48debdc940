/**
 * Auto-configuration and meter binder for IPC metrics ({@code ipc.*} meters).
 */
@NullMarked
package dev.ipc.spring.boot.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
