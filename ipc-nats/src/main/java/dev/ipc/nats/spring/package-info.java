/**
 * Spring Boot support for the NATS backend: {@code ipc.transport.type=nats} with
 * {@code ipc.transport.nats.*} ({@link dev.ipc.nats.spring.NatsIpcAutoConfiguration}), a
 * health indicator and Micrometer meters.
 */
@NullMarked
package dev.ipc.nats.spring;

import org.jspecify.annotations.NullMarked;
