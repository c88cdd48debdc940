/**
 * Auto-configuration and indicator for the {@code ipc} health component.
 */
@NullMarked
package dev.ipc.spring.boot.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
