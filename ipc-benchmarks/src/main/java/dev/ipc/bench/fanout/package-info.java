/**
 * The fan-out section of the benchmarks: {@code publish} to 1, 4 and 16 subscriber
 * processes against the same events sent to each subscriber by name.
 */
@NullMarked
package dev.ipc.bench.fanout;

import org.jspecify.annotations.NullMarked;
