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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.crypto.noise.NoiseSuite;
import dev.ipc.crypto.noise.NoiseTransportException;
import dev.ipc.crypto.noise.NoiseTransportState;

/**
 * Noise transport encryption per suite after a real handshake: {@code encrypt} alone and
 * {@code roundTrip} (encrypt on one side, decrypt on the other), so decrypt ≈ roundTrip −
 * encrypt.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class NoiseTransportBenchmark {

	@Param({ "P256_AESGCM_SHA256", "X25519_AESGCM_SHA256", "X25519_CHACHAPOLY_BLAKE2S" })
	NoiseSuite suite;

	@Param({ "200", "1024", "61440" })
	int size;

	private NoiseTransportState sender;

	private NoiseTransportState receiver;

	private byte[] plaintext;

	@Setup
	public void setUp() throws Exception {
		NoiseTransportState[] pair = HandshakeBenchmark.handshake(suite);
		sender = pair[0];
		receiver = pair[1];
		plaintext = new byte[size];
		for (int i = 0; i < size; i++) {
			plaintext[i] = (byte) ('a' + i % 26);
		}
	}

	@Benchmark
	public TransportFrame encrypt() {
		return sender.encrypt(plaintext);
	}

	@Benchmark
	public byte[] roundTrip() throws NoiseTransportException {
		TransportFrame frame = sender.encrypt(plaintext);
		return receiver.decrypt(frame.nonce(), frame.payload());
	}

}
