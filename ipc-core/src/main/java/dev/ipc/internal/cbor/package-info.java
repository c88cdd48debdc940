/**
 * The one CBOR toolkit of the core (RFC 8949, the subset the protocols use): a writer
 * into a growable, reusable array ({@link dev.ipc.internal.cbor.CborWriter}), a one-pass
 * well-formedness check with bounds ({@link dev.ipc.internal.cbor.CborScan}) and a pull
 * reader that hands out byte and text strings as views into the input
 * ({@link dev.ipc.internal.cbor.CborReader}). Used by the socket frames and the Noise
 * frames. Not API: anything here may change in any release.
 */
@NullMarked
package dev.ipc.internal.cbor;

import org.jspecify.annotations.NullMarked;
