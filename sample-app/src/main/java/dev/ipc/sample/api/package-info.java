/**
 * The messages the vault and the worker exchange: the shared contract of both processes.
 */
@NullMarked
package dev.ipc.sample.api;

import org.jspecify.annotations.NullMarked;
