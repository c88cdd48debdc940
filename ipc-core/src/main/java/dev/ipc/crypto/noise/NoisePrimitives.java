package dev.ipc.crypto.noise;

/**
 * The functions behind one Noise protocol name; the name is what
 * {@code InitializeSymmetric} hashes.
 */
record NoisePrimitives(String protocolName, Dh dh, NoiseCipher cipher, NoiseHash hash) {
}
