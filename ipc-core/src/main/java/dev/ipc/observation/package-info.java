/**
 * A hook for observing RPCs and sends (Micrometer observations, tracing) and for carrying
 * a small context, such as a trace, from a requester to a responder inside the encrypted
 * request envelope. The core implements no observation itself and needs no observation
 * library; the Spring Boot auto-configuration plugs Micrometer in here.
 */
@NullMarked
package dev.ipc.observation;

import org.jspecify.annotations.NullMarked;
