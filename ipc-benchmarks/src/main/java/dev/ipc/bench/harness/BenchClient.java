package dev.ipc.bench.harness;

import dev.ipc.crypto.noise.NoiseSuite;

/**
 * The client side of one system under test, living in its own JVM. Each method runs one
 * measurement for about {@code nanos} and returns what it measured; the caller drives
 * warm-up and trials.
 */
interface BenchClient extends AutoCloseable {

	/** One request in flight: the round-trip time of every call, in nanoseconds. */
	long[] roundTrips(int size, long nanos) throws Exception;

	/** {@code inflight} requests in flight: completed calls per second. */
	double callsPerSecond(int size, int inflight, long nanos) throws Exception;

	/**
	 * One-way messages: messages per second as the receiver acknowledged them, or
	 * {@code NaN} if unsupported.
	 */
	double messagesPerSecond(int size, long nanos) throws Exception;

	/**
	 * Fresh connection (+ handshake) + first round trip, {@code count} times: each total
	 * in nanoseconds.
	 */
	long[] connects(int count) throws Exception;

	/**
	 * The same where every new connection finds the session the previous one left in a
	 * shared session repository (no handshake); empty where there are no sessions.
	 */
	default long[] survivingConnects(int count) throws Exception {
		return new long[0];
	}

	/**
	 * The CPU time of one complete in-process handshake of {@code suite} (both sides),
	 * median ns; or NaN.
	 */
	default double handshakeNanos(NoiseSuite suite, long nanos) throws Exception {
		return Double.NaN;
	}

	@Override
	void close() throws Exception;

}
