package dev.ipc.crypto.noise;

import java.time.Duration;

/**
 * The bounds of large (fragmented) messages in one {@link NoiseCryptoProvider}; see
 * {@link NoiseCryptoProvider.Builder#maxMessageSize(int)} and its neighbours. Immutable.
 *
 * @param maxMessageSize largest application payload sent or accepted
 * @param maxReassemblyBytes most bytes all peers' messages in reassembly may hold
 * together (each is preallocated at its full declared length)
 * @param maxReassemblies most messages in reassembly at once, all peers together (each
 * peer has at most one: its fragments never interleave)
 * @param reassemblyTimeout how long a message may take from its first fragment to its
 * last
 */
record FragmentLimits(int maxMessageSize, long maxReassemblyBytes, int maxReassemblies, Duration reassemblyTimeout) {

	/** Default largest message: 16 MiB. */
	static final int DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

	/** Default concurrent reassemblies (all peers). */
	static final int DEFAULT_MAX_REASSEMBLIES = 16;

	/** Default reassembly timeout. */
	static final Duration DEFAULT_REASSEMBLY_TIMEOUT = Duration.ofSeconds(30);

	/** Largest configurable message: 1 GiB. */
	static final int MAX_MESSAGE_SIZE_LIMIT = 1 << 30;

	/** The default total reassembly budget for {@code maxMessageSize}: 4 messages. */
	static long defaultReassemblyBytes(int maxMessageSize) {
		return 4L * maxMessageSize;
	}

}
