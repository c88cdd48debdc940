package dev.ipc.crypto.noise;

import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pre-generated ephemeral key pair per Diffie-Hellman function, so that an initiator
 * writes its {@code HandshakeStart} without generating a key first: the sender that
 * starts a handshake {@link #take takes} the prepared pair (or generates one if there is
 * none) and {@link #refill refills} the slot on its own thread while it waits for the
 * {@code HandshakeFinish}, in the shadow of the round trip. No thread of its own; the I/O
 * loop never refills.
 *
 * <p>
 * Every pair is used at most once: {@link #take} empties the slot atomically, so two
 * handshakes can never be handed the same pair, and a refill only fills an empty slot.
 * The slots are per class loader (a pair is random bytes, not tied to a provider); a
 * prepared pair waits in memory like the provider's static keys until the next handshake.
 * Thread-safe; fails only as {@link Dh#generateKeyPair()} does.
 */
final class EphemeralKeys {

	private static final Logger log = LoggerFactory.getLogger(NoiseCryptoProvider.class);

	private static final AtomicReference<Dh.@Nullable KeyPair> P256 = new AtomicReference<>();

	private static final AtomicReference<Dh.@Nullable KeyPair> X25519 = new AtomicReference<>();

	private EphemeralKeys() {
	}

	/**
	 * The prepared pair for {@code dh}, now no longer prepared, or a freshly generated
	 * one if none was.
	 */
	static Dh.KeyPair take(Dh dh) {
		AtomicReference<Dh.@Nullable KeyPair> slot = slot(dh);
		Dh.KeyPair prepared = (slot != null) ? slot.getAndSet(null) : null;
		return (prepared != null) ? prepared : dh.generateKeyPair();
	}

	/**
	 * Prepares a pair for the next {@link #take} of {@code dh}, unless one is ready.
	 * Never throws: if generating fails the slot stays empty, and the next handshake
	 * generates its key itself and reports what fails there.
	 */
	static void refill(Dh dh) {
		AtomicReference<Dh.@Nullable KeyPair> slot = slot(dh);
		if (slot == null || slot.get() != null) {
			return;
		}
		try {
			slot.compareAndSet(null, dh.generateKeyPair());
		}
		catch (RuntimeException ex) {
			log.debug("Noise: preparing an ephemeral key failed: {}", ex.toString());
		}
	}

	/** Whether a pair is prepared for {@code dh} (tests). */
	static boolean isPrepared(Dh dh) {
		AtomicReference<Dh.@Nullable KeyPair> slot = slot(dh);
		return slot != null && slot.get() != null;
	}

	private static @Nullable AtomicReference<Dh.@Nullable KeyPair> slot(Dh dh) {
		if (dh == P256Dh.INSTANCE) {
			return P256;
		}
		return (dh == X25519Dh.INSTANCE) ? X25519 : null;
	}

}
