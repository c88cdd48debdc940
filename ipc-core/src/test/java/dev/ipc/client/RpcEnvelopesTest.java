package dev.ipc.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.codec.PayloadCodecException;
import dev.ipc.model.Topics;
import dev.ipc.rpc.RpcError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The envelopes as the reference writes them (spec §1.7, §3), whatever the size and
 * however many threads encode at once (the encoding buffer is pooled), and request ids in
 * the format the reference expects.
 */
class RpcEnvelopesTest {

	private final RpcEnvelopes envelopes = new RpcEnvelopes(PayloadCodec.defaults());

	record Body(String text) {
	}

	record Unit() {
	}

	static final class Unencodable {

		public String getValue() {
			throw new IllegalStateException("cannot encode");
		}

	}

	@Test
	void requestAndResponseAreTheReferenceEnvelopes() {
		String id = "5b0c1f7e-0000-4000-8000-000000000001";
		assertThat(text(envelopes.encodeRequest(new Body("hi"), id, "T", Topics.responseTopicFor(id))))
			.isEqualTo("{\"request\":{\"text\":\"hi\"},\"request_id\":\"" + id
					+ "\",\"request_type\":\"T\",\"response_topic\":\"RpcResponseMessage:" + id + "\"}");
		assertThat(text(envelopes.encodeRequest(new Unit(), id, "DiscoverRequest", Topics.responseTopicFor(id),
				Map.of("traceparent", "00-x"))))
			.isEqualTo("{\"request\":null,\"request_id\":\"" + id
					+ "\",\"request_type\":\"DiscoverRequest\",\"response_topic\":\"RpcResponseMessage:" + id
					+ "\",\"ipc_context\":{\"traceparent\":\"00-x\"}}");
		assertThat(text(envelopes.encodeOk(new Body("ok"), id, "T")))
			.isEqualTo("{\"result\":{\"Ok\":{\"text\":\"ok\"}},\"request_id\":\"" + id + "\",\"request_type\":\"T\"}");
		assertThat(text(envelopes.encodeErr(RpcError.NO_HANDLER_FOUND, id, "T"))).isEqualTo(
				"{\"result\":{\"Err\":\"NoHandlerFound\"},\"request_id\":\"" + id + "\",\"request_type\":\"T\"}");
	}

	@Test
	void envelopesOfEverySizeComeOutWholeAndExact() {
		// below the first buffer, past it, and past what the pool keeps
		for (int size : new int[] { 0, 1, 900, 1_100, 20_000, 70_000 }) {
			String text = "x".repeat(size);
			byte[] encoded = envelopes.encodeOk(new Body(text), "id", "T");
			assertThat(encoded).hasSize(text.length()
					+ "{\"result\":{\"Ok\":{\"text\":\"\"}},\"request_id\":\"id\",\"request_type\":\"T\"}".length());
			RpcEnvelopes.ResponseHeader header = envelopes.readResponse(encoded);
			assertThat(header).isNotNull();
			assertThat(((Body) envelopes.bindResult(header, Body.class).value()).text()).isEqualTo(text);
		}
	}

	@Test
	void aFailedEncodingLeavesTheNextOneIntact() {
		assertThatThrownBy(() -> envelopes.encodeOk(new Unencodable(), "id", "T"))
			.isInstanceOf(PayloadCodecException.class);
		assertThat(text(envelopes.encodeOk(new Body("after"), "id", "T")))
			.isEqualTo("{\"result\":{\"Ok\":{\"text\":\"after\"}},\"request_id\":\"id\",\"request_type\":\"T\"}");
	}

	@Test
	void concurrentEncodingsDoNotShareABuffer() throws Exception {
		int threads = EnvelopeOutput.POOL_SIZE * 2;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<Boolean>> results = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				String text = String.valueOf((char) ('a' + t)).repeat(100 + 300 * t);
				results.add(pool.submit(() -> {
					for (int i = 0; i < 2_000; i++) {
						RpcEnvelopes.ResponseHeader header = envelopes
							.readResponse(envelopes.encodeOk(new Body(text), "id", "T"));
						if (header == null
								|| !((Body) envelopes.bindResult(header, Body.class).value()).text().equals(text)) {
							return false;
						}
					}
					return true;
				}));
			}
			for (Future<Boolean> result : results) {
				assertThat(result.get()).isTrue();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void requestIdsAreDistinctCanonicalVersion4Uuids() {
		Pattern canonical = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
		RequestIds ids = new RequestIds();
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < 10_000; i++) {
			String id = ids.next();
			assertThat(id).matches(canonical);
			assertThat(UUID.fromString(id).version()).isEqualTo(4);
			assertThat(UUID.fromString(id).variant()).isEqualTo(2);
			assertThat(seen.add(id)).isTrue();
		}
		assertThat(new RequestIds().next().substring(0, 18)).isNotEqualTo(ids.next().substring(0, 18));
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
