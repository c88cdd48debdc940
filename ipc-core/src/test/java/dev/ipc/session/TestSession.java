package dev.ipc.session;

/**
 * A stand-in for a crypto provider's session: a marker to search for in files, and a
 * counter.
 */
public record TestSession(String marker, long sendNonce) {
}
