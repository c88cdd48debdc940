package dev.ipc.crypto.noise;

import java.io.Serial;

/**
 * A handshake message failed authentication: its AEAD tag did not verify under the keys
 * this side derived (for KK: the static keys are not the ones either side expects, or the
 * message was altered). A separate type so that callers tell it from a malformed message
 * without reading the message text.
 */
final class NoiseAuthenticationException extends NoiseProtocolException {

	@Serial
	private static final long serialVersionUID = 1L;

	NoiseAuthenticationException(String message) {
		super(message);
	}

}
