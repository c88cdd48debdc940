package dev.ipc.support;

import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcHandler;
import dev.ipc.rpc.RpcRequest;

/** The reference tests' common fixtures (spec §7). */
public final class Fixtures {

	/** {@code Web{tab_id: 9001, document_id: "doc-1", origin: "https://example.com"}}. */
	public static final Source WEB_SOURCE = new Source.Web(9001, "doc-1", "https://example.com");

	/** {@code BrowserBackground{id: Own}}. */
	public static final Endpoint BACKGROUND = new Endpoint.BrowserBackground(HostId.OWN);

	private Fixtures() {
	}

	@IpcPayload("TestRequest")
	public record TestRequest(int a, int b) implements RpcRequest<TestResponse> {
	}

	public record TestResponse(int result) {
	}

	/** Returns {@code a + b}. */
	public static final class TestHandler implements RpcHandler<TestRequest, TestResponse> {

		@Override
		public TestResponse handle(TestRequest request, RpcContext context) {
			return new TestResponse(request.a() + request.b());
		}

	}

	/** A unit request whose response is an enum encoded as a bare JSON string. */
	@IpcPayload("OtherRequest")
	public record OtherRequest() implements RpcRequest<Availability> {
	}

	public enum Availability {

		Available, Unavailable

	}

	@IpcPayload("TestPayload")
	public record TestPayload(String some_data) {
	}

}
