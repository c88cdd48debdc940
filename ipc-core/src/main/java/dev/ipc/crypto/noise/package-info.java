/**
 * Noise building blocks, wire-compatible with the {@code bitwarden-ipc} Noise provider:
 * cipher suites, the handshake (NN with Bitwarden peers; the authenticated patterns KK
 * and NNpsk2, and IK/XX in the engine, between Java peers), the per-peer transport state
 * and the CBOR frames that carry them; static keys, known peers, pairing keys and the
 * authentication policy of Java peers.
 *
 * <p>
 * Written from the Noise Protocol Framework (revision 34) and the IPC specification; the
 * JDK supplies X25519, P-256 ECDH, AES-GCM, ChaCha20-Poly1305, SHA-256 and HMAC-SHA256,
 * Bouncy Castle (optional) supplies BLAKE2s. Nothing here locks: callers own one peer's
 * state under that peer's lock.
 */
@NullMarked
package dev.ipc.crypto.noise;

import org.jspecify.annotations.NullMarked;
