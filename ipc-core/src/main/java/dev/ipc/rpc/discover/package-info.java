/**
 * The built-in {@code DiscoverRequest} RPC (spec §6): a peer asks which version of the
 * application answers.
 */
@NullMarked
package dev.ipc.rpc.discover;

import org.jspecify.annotations.NullMarked;
