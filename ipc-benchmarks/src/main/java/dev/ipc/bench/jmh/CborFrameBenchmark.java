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

import dev.ipc.crypto.noise.NoiseFrame;
import dev.ipc.crypto.noise.NoiseFrame.TransportFrame;
import dev.ipc.crypto.noise.NoiseFrameCodec;
import dev.ipc.crypto.noise.NoiseFrameException;

/**
 * CBOR encoding and decoding of Noise transport frames (ciphertext = payload + 16-byte
 * tag).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CborFrameBenchmark {

	@Param({ "200", "1024", "61440" })
	int size;

	private TransportFrame frame;

	private byte[] encoded;

	@Setup
	public void setUp() {
		byte[] ciphertext = new byte[size + 16];
		for (int i = 0; i < ciphertext.length; i++) {
			ciphertext[i] = (byte) (i * 31);
		}
		frame = new TransportFrame(ciphertext, 123_456_789L);
		encoded = NoiseFrameCodec.encode(frame);
	}

	@Benchmark
	public byte[] encodeTransportFrame() {
		return NoiseFrameCodec.encode(frame);
	}

	@Benchmark
	public NoiseFrame decodeTransportFrame() throws NoiseFrameException {
		return NoiseFrameCodec.decode(encoded);
	}

}
