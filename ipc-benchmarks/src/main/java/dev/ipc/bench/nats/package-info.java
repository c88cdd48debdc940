/**
 * The NATS section of the benchmarks: our client over NATS against raw jnats, through one
 * real nats-server.
 */
@NullMarked
package dev.ipc.bench.nats;

import org.jspecify.annotations.NullMarked;
