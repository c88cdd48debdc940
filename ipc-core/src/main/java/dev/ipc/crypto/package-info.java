/**
 * Crypto providers: {@link dev.ipc.crypto.NoEncryptionCryptoProvider} for tests and
 * in-JVM use; the Noise provider, the default, is in {@link dev.ipc.crypto.noise}.
 */
@NullMarked
package dev.ipc.crypto;

import org.jspecify.annotations.NullMarked;
