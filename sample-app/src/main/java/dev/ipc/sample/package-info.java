/**
 * The sample application: one Spring Boot application that runs as the "vault" host or
 * the "worker" peer (by profile), and the launcher that starts both for the demo.
 */
@NullMarked
package dev.ipc.sample;

import org.jspecify.annotations.NullMarked;
