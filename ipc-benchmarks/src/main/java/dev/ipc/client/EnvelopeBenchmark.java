package dev.ipc.client;

import java.util.UUID;
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

import dev.ipc.bench.Payloads;
import dev.ipc.bench.Payloads.EchoRequest;
import dev.ipc.bench.Payloads.ItemEvent;
import dev.ipc.codec.PayloadCodec;
import dev.ipc.model.Topics;

/**
 * The RPC envelope work on each side of a call (package-private API, hence this package):
 * the requester encodes a request and decodes the response, the responder decodes the
 * request and encodes the response.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EnvelopeBenchmark {

	@Param({ "200", "1024" })
	int size;

	private RpcEnvelopes envelopes;

	private EchoRequest request;

	private ItemEvent response;

	private String id;

	private byte[] requestBytes;

	private byte[] responseBytes;

	@Setup
	public void setUp() {
		envelopes = new RpcEnvelopes(PayloadCodec.defaults());
		response = Payloads.event(size);
		request = new EchoRequest(response);
		id = UUID.randomUUID().toString();
		requestBytes = envelopes.encodeRequest(request, id, "bench.echo", Topics.responseTopicFor(id));
		responseBytes = envelopes.encodeOk(response, id, "bench.echo");
	}

	@Benchmark
	public byte[] requesterEncodeRequest() {
		return envelopes.encodeRequest(request, id, "bench.echo", Topics.responseTopicFor(id));
	}

	@Benchmark
	public Object requesterDecodeResponse() {
		RpcEnvelopes.ResponseHeader header = envelopes.readResponse(responseBytes);
		return envelopes.bindResult(header, ItemEvent.class).value();
	}

	@Benchmark
	public Object responderDecodeRequest() {
		RpcEnvelopes.RequestHeader header = envelopes.readRequest(requestBytes);
		return envelopes.bindRequest(header.body(), EchoRequest.class);
	}

	@Benchmark
	public byte[] responderEncodeResponse() {
		return envelopes.encodeOk(response, id, "bench.echo");
	}

}
