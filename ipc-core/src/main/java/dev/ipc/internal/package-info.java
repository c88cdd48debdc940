/**
 * Implementation details shared by the core's packages. Not API: anything here may change
 * or disappear in any release; applications must not use it.
 */
@NullMarked
package dev.ipc.internal;

import org.jspecify.annotations.NullMarked;
