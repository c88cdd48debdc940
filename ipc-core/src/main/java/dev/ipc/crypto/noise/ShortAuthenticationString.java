package dev.ipc.crypto.noise;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import dev.ipc.model.Endpoint;

/**
 * A short authentication string: six decimal digits derived from a handshake hash, for a
 * person to compare on both machines when two processes meet without a pairing key. Equal
 * on both sides of an unmodified handshake; a man in the middle runs two handshakes with
 * different hashes, so the two screens show different digits (a 1 in 10^6 chance of a
 * match per attempt).
 *
 * <p>
 * Digits: the first four bytes of {@code SHA-256("dev.ipc.noise sas" || h)} as an
 * unsigned big-endian integer, modulo 1,000,000, zero-padded.
 *
 * <p>
 * Used by {@link PeerAuthentication.Builder#shortAuthenticationStrings}: under policy
 * {@code optional}, a first plain NN handshake with an unknown peer carries both sides'
 * static public keys in its payloads; the application's {@link Listener} shows the digits
 * and, when the person confirms they match on both sides, calls
 * {@link Comparison#confirm()}, which stores the peer in the known peers (then
 * {@code KK}). Until then the peer is unauthenticated.
 */
public final class ShortAuthenticationString {

	private static final byte[] LABEL = "dev.ipc.noise sas".getBytes(StandardCharsets.US_ASCII);

	private ShortAuthenticationString() {
	}

	/**
	 * The six digits of {@code handshakeHash}.
	 * @throws IllegalArgumentException if the hash is not 32 bytes
	 */
	public static String of(byte[] handshakeHash) {
		if (handshakeHash.length != 32) {
			throw new IllegalArgumentException("a handshake hash is 32 bytes");
		}
		byte[] out = Sha256Hash.INSTANCE.hash(LABEL, handshakeHash);
		long value = ((out[0] & 0xffL) << 24) | ((out[1] & 0xffL) << 16) | ((out[2] & 0xffL) << 8) | (out[3] & 0xffL);
		return String.format("%06d", value % 1_000_000L);
	}

	/**
	 * The application's hook: show {@link Comparison#digits()} and the peer's fingerprint
	 * to a person, and confirm or reject later. Called on the inbound path: must return
	 * at once and never block.
	 */
	@FunctionalInterface
	public interface Listener {

		/** No comparisons (the default: no keys are exchanged in NN handshakes). */
		Listener NONE = comparison -> {
		};

		/**
		 * Trust on first use, as SSH does by default: every comparison is confirmed at
		 * once, so the first key an unknown peer presents is pinned (stored in the known
		 * peers; its next handshake is {@code KK}) and a later different key is refused
		 * loudly. Protects every contact after the first; an active attacker present at
		 * the very first contact is pinned instead of the peer, which is why it is opt-in
		 * (compare the digits, or pair with a pre-shared key, where that matters).
		 */
		Listener TRUST_ON_FIRST_USE = Comparison::confirm;

		/** A comparison to show. */
		void compare(Comparison comparison);

	}

	/**
	 * One pending comparison with a peer met over plain NN.
	 */
	public static final class Comparison {

		private final Endpoint peer;

		private final String digits;

		private final String fingerprint;

		private final Runnable onConfirm;

		private boolean settled;

		Comparison(Endpoint peer, String digits, String fingerprint, Runnable onConfirm) {
			this.peer = Objects.requireNonNull(peer, "peer");
			this.digits = digits;
			this.fingerprint = fingerprint;
			this.onConfirm = onConfirm;
		}

		/** The peer. */
		public Endpoint peer() {
			return peer;
		}

		/** The six digits to compare with the ones the peer's machine shows. */
		public String digits() {
			return digits;
		}

		/** The fingerprint of the peer's P-256 static key (for the record). */
		public String fingerprint() {
			return fingerprint;
		}

		/**
		 * The person saw the same digits on both machines: trust the peer's keys (stored
		 * in the known peers; its next handshake is KK). Idempotent.
		 * @throws KnownPeers.KeyChangedException if another key is known for the peer by
		 * now
		 */
		public synchronized void confirm() {
			if (!settled) {
				settled = true;
				onConfirm.run();
			}
		}

		/** The digits differ (or the person declined): nothing is stored. */
		public synchronized void reject() {
			settled = true;
		}

		@Override
		public String toString() {
			return "Comparison[" + peer + " " + digits + " " + fingerprint + "]";
		}

	}

}
