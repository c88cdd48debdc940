/**
 * The large-message benchmark (issue 11): {@link dev.ipc.bench.large.LargeBench}.
 */
@NullMarked
package dev.ipc.bench.large;

import org.jspecify.annotations.NullMarked;
