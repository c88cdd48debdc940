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

import tools.jackson.databind.json.JsonMapper;

import dev.ipc.bench.Payloads;
import dev.ipc.bench.Payloads.ItemEvent;
import dev.ipc.codec.PayloadCodec;

/**
 * The payload codec (JSON) on the benchmark payloads: our
 * {@link PayloadCodec#defaults()}, an untuned Jackson 3 mapper and Jackson 2 as the
 * reference point the issue compares with.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CodecBenchmark {

	@Param({ "200", "1024" })
	int size;

	@Param({ "ipc", "jackson3-plain", "jackson2" })
	String mapper;

	private ItemEvent event;

	private byte[] json;

	private Codec codec;

	interface Codec {

		byte[] encode(Object value) throws Exception;

		<T> T decode(byte[] json, Class<T> type) throws Exception;

	}

	@Setup
	public void setUp() {
		event = Payloads.event(size);
		json = Payloads.json(size);
		codec = switch (mapper) {
			case "ipc" -> {
				PayloadCodec ipc = PayloadCodec.defaults();
				yield new Codec() {
					public byte[] encode(Object value) {
						return ipc.encode(value);
					}

					public <T> T decode(byte[] bytes, Class<T> type) {
						return ipc.decode(bytes, type);
					}
				};
			}
			case "jackson3-plain" -> {
				JsonMapper plain = JsonMapper.builder()
					.disable(tools.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
					.build();
				yield new Codec() {
					public byte[] encode(Object value) {
						return plain.writeValueAsBytes(value);
					}

					public <T> T decode(byte[] bytes, Class<T> type) {
						return plain.readValue(bytes, type);
					}
				};
			}
			case "jackson2" -> {
				com.fasterxml.jackson.databind.ObjectMapper j2 = new com.fasterxml.jackson.databind.ObjectMapper();
				yield new Codec() {
					public byte[] encode(Object value) throws Exception {
						return j2.writeValueAsBytes(value);
					}

					public <T> T decode(byte[] bytes, Class<T> type) throws Exception {
						return j2.readValue(bytes, type);
					}
				};
			}
			default -> throw new IllegalArgumentException(mapper);
		};
	}

	@Benchmark
	public byte[] encode() throws Exception {
		return codec.encode(event);
	}

	@Benchmark
	public ItemEvent decode() throws Exception {
		return codec.decode(json, ItemEvent.class);
	}

}
