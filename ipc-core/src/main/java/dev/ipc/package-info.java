/** Secure inter-process communication. */
package dev.ipc;
