/**
 * The vault host: answers credential requests from the trusted worker and takes its job
 * reports.
 */
@NullMarked
package dev.ipc.sample.vault;

import org.jspecify.annotations.NullMarked;
