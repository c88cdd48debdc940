package dev.ipc.crypto;

import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;

/**
 * Passes messages through unencrypted (spec §4.1). For tests and for components inside
 * one JVM only: anyone who can read the transport reads the payloads. Errors are the
 * backend's own.
 */
public final class NoEncryptionCryptoProvider implements CryptoProvider<Void> {

	@Override
	public void send(CryptoContext<Void> context, OutgoingMessage message) {
		context.backend().send(message);
	}

	/** Returns {@code frame} unchanged. */
	@Override
	public IncomingMessage process(CryptoContext<Void> context, IncomingMessage frame) {
		return frame;
	}

}
