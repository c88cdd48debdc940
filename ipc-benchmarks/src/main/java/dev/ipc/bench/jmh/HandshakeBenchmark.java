package dev.ipc.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.ipc.crypto.noise.NoiseHandshake;
import dev.ipc.crypto.noise.NoiseSplit;
import dev.ipc.crypto.noise.NoiseSuite;
import dev.ipc.crypto.noise.NoiseTransportState;

/**
 * The CPU cost of one complete Noise NN handshake per suite, both sides in one thread:
 * key generation, both DH agreements, hashing, both messages, split and the two transport
 * states. This is the floor of "connect + handshake + first RPC".
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class HandshakeBenchmark {

	@Param({ "P256_AESGCM_SHA256", "X25519_AESGCM_SHA256", "X25519_CHACHAPOLY_BLAKE2S" })
	NoiseSuite suite;

	@Benchmark
	public NoiseTransportState[] fullHandshake() throws Exception {
		return handshake(suite);
	}

	/** Runs an NN handshake in memory; returns {initiator state, responder state}. */
	public static NoiseTransportState[] handshake(NoiseSuite suite) throws Exception {
		try (NoiseHandshake initiator = NoiseHandshake.initiator(suite);
				NoiseHandshake responder = NoiseHandshake.responder(suite)) {
			responder.readMessage(initiator.writeMessage());
			initiator.readMessage(responder.writeMessage());
			long now = System.currentTimeMillis() / 1000;
			try (NoiseSplit i = initiator.split(); NoiseSplit r = responder.split()) {
				return new NoiseTransportState[] { NoiseTransportState.fromSplit(i, true, suite.transportCipher(), now),
						NoiseTransportState.fromSplit(r, false, suite.transportCipher(), now) };
			}
		}
	}

}
