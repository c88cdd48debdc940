/**
 * Auto-configuration of the IPC client's Micrometer observations.
 */
@NullMarked
package dev.ipc.spring.boot.autoconfigure.observation;

import org.jspecify.annotations.NullMarked;
