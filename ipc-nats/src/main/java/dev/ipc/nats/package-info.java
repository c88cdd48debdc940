/**
 * A {@link dev.ipc.spi.CommunicationBackend} over NATS
 * ({@link dev.ipc.nats.NatsTransport}): endpoints on any number of machines exchange the
 * core's (Noise-encrypted) messages through a NATS server or cluster. Each endpoint
 * publishes only on subjects carrying its own name, so a server whose permissions enforce
 * that rule vouches for every message's source ({@link dev.ipc.nats.NatsSources});
 * {@link dev.ipc.nats.NatsPermissions} generates those permissions. See docs/nats.md.
 */
@NullMarked
package dev.ipc.nats;

import org.jspecify.annotations.NullMarked;
