/**
 * The worker peer: fetches credentials from the vault by RPC and reports completed jobs.
 */
@NullMarked
package dev.ipc.sample.worker;

import org.jspecify.annotations.NullMarked;
