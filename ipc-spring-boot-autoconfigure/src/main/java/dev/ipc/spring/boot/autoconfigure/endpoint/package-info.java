/**
 * Auto-configuration and implementation of the {@code ipc} actuator endpoint.
 */
@NullMarked
package dev.ipc.spring.boot.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
