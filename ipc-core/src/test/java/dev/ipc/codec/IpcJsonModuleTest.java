package dev.ipc.codec;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcError;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Golden JSON for every variant, byte-identical to serde's externally tagged output (spec
 * §1).
 */
class IpcJsonModuleTest {

	private final JsonMapper mapper = PayloadCodec.defaults().mapper();

	static Stream<Arguments> hostIds() {
		return Stream.of(Arguments.of(HostId.OWN, "\"Own\""), Arguments.of(HostId.id(5), "{\"Id\":5}"),
				Arguments.of(HostId.id(-1), "{\"Id\":-1}"));
	}

	static Stream<Arguments> endpoints() {
		return Stream.of(Arguments.of(new Endpoint.Web(1, "abc"), "{\"Web\":{\"tab_id\":1,\"document_id\":\"abc\"}}"),
				Arguments.of(new Endpoint.BrowserForeground(3), "{\"BrowserForeground\":{\"id\":3}}"),
				Arguments.of(new Endpoint.BrowserBackground(HostId.OWN), "{\"BrowserBackground\":{\"id\":\"Own\"}}"),
				Arguments.of(new Endpoint.BrowserBackground(HostId.id(7)),
						"{\"BrowserBackground\":{\"id\":{\"Id\":7}}}"),
				Arguments.of(Endpoint.DESKTOP_RENDERER, "\"DesktopRenderer\""),
				Arguments.of(Endpoint.DESKTOP_MAIN, "\"DesktopMain\""),
				Arguments.of(Endpoint.named("worker"), "{\"Named\":{\"name\":\"worker\"}}"));
	}

	static Stream<Arguments> sources() {
		return Stream.of(
				Arguments.of(new Source.Web(9001, "doc-1", "https://example.com"),
						"{\"Web\":{\"tab_id\":9001,\"document_id\":\"doc-1\",\"origin\":\"https://example.com\"}}"),
				Arguments.of(new Source.BrowserForeground(3), "{\"BrowserForeground\":{\"id\":3}}"),
				Arguments.of(new Source.BrowserBackground(HostId.OWN), "{\"BrowserBackground\":{\"id\":\"Own\"}}"),
				Arguments.of(new Source.BrowserBackground(HostId.id(7)), "{\"BrowserBackground\":{\"id\":{\"Id\":7}}}"),
				Arguments.of(Source.DESKTOP_RENDERER, "\"DesktopRenderer\""),
				Arguments.of(Source.DESKTOP_MAIN, "\"DesktopMain\""),
				Arguments.of(new Source.Named("worker"), "{\"Named\":{\"name\":\"worker\"}}"), Arguments
					.of(new Source.Named("worker", "alice"), "{\"Named\":{\"name\":\"worker\",\"user\":\"alice\"}}"));
	}

	static Stream<Arguments> rpcErrors() {
		return Stream.of(Arguments.of(RpcError.NO_HANDLER_FOUND, "\"NoHandlerFound\""),
				Arguments.of(new RpcError.RequestDeserialization("missing field `a` at line 1 column 7"),
						"{\"RequestDeserialization\":\"missing field `a` at line 1 column 7\"}"),
				Arguments.of(new RpcError.RequestSerialization("x"), "{\"RequestSerialization\":\"x\"}"),
				Arguments.of(new RpcError.ResponseDeserialization("y"), "{\"ResponseDeserialization\":\"y\"}"),
				Arguments.of(new RpcError.ResponseSerialization("z"), "{\"ResponseSerialization\":\"z\"}"));
	}

	@ParameterizedTest
	@MethodSource("hostIds")
	void hostIdRoundTrips(HostId value, String json) {
		assertThat(mapper.writeValueAsString(value)).isEqualTo(json);
		assertThat(mapper.readValue(json, HostId.class)).isEqualTo(value);
	}

	@ParameterizedTest
	@MethodSource("endpoints")
	void endpointRoundTrips(Endpoint value, String json) {
		assertThat(mapper.writeValueAsString(value)).isEqualTo(json);
		assertThat(mapper.readValue(json, Endpoint.class)).isEqualTo(value);
	}

	@ParameterizedTest
	@MethodSource("sources")
	void sourceRoundTrips(Source value, String json) {
		assertThat(mapper.writeValueAsString(value)).isEqualTo(json);
		assertThat(mapper.readValue(json, Source.class)).isEqualTo(value);
	}

	@ParameterizedTest
	@MethodSource("rpcErrors")
	void rpcErrorRoundTrips(RpcError value, String json) {
		assertThat(mapper.writeValueAsString(value)).isEqualTo(json);
		assertThat(mapper.readValue(json, RpcError.class)).isEqualTo(value);
	}

	@Test
	void unknownVariantsFailWithAClearMessage() {
		assertThatThrownBy(() -> mapper.readValue("\"Cli\"", Endpoint.class))
			.hasMessageContaining("Unknown Endpoint variant 'Cli'")
			.hasMessageContaining("DesktopMain");
		assertThatThrownBy(() -> mapper.readValue("{\"Mobile\":{\"id\":1}}", Source.class))
			.hasMessageContaining("Unknown Source variant 'Mobile'");
		assertThatThrownBy(() -> mapper.readValue("\"Other\"", HostId.class))
			.hasMessageContaining("Unknown HostId variant");
		assertThatThrownBy(() -> mapper.readValue("\"Timeout\"", RpcError.class))
			.hasMessageContaining("Unknown RpcError variant 'Timeout'");
	}

	@Test
	void malformedVariantsFailWithAClearMessage() {
		assertThatThrownBy(() -> mapper.readValue("{\"Web\":{\"tab_id\":\"x\",\"document_id\":\"d\"}}", Endpoint.class))
			.hasMessageContaining("tab_id");
		assertThatThrownBy(() -> mapper.readValue("{\"Web\":{\"tab_id\":1}}", Endpoint.class))
			.hasMessageContaining("missing field `document_id`");
		assertThatThrownBy(() -> mapper.readValue("{\"A\":1,\"B\":2}", Endpoint.class))
			.hasMessageContaining("single-entry object");
		assertThatThrownBy(() -> mapper.readValue("42", Endpoint.class)).isInstanceOf(RuntimeException.class);
	}

	@Test
	void overlongTextFieldsOfEndpointsAndSourcesAreRefused() {
		String big = "x".repeat(IpcJsonModule.MAX_FIELD_CHARS + 1);
		String ok = "x".repeat(IpcJsonModule.MAX_FIELD_CHARS);
		assertThat(mapper.readValue("{\"Web\":{\"tab_id\":1,\"document_id\":\"" + ok + "\"}}", Endpoint.class))
			.isEqualTo(new Endpoint.Web(1, ok));
		assertThatThrownBy(
				() -> mapper.readValue("{\"Web\":{\"tab_id\":1,\"document_id\":\"" + big + "\"}}", Endpoint.class))
			.hasMessageContaining("field `document_id` is 257 characters long");
		assertThatThrownBy(() -> mapper.readValue("{\"Named\":{\"name\":\"" + big + "\"}}", Endpoint.class))
			.hasMessageContaining("field `name`");
		assertThatThrownBy(
				() -> mapper.readValue("{\"Named\":{\"name\":\"w\",\"user\":\"" + big + "\"}}", Source.class))
			.hasMessageContaining("field `user`");
		assertThatThrownBy(() -> mapper.readValue(
				"{\"Web\":{\"tab_id\":1,\"document_id\":\"d\",\"origin\":\"" + "o".repeat(513) + "\"}}", Source.class))
			.hasMessageContaining("field `origin`");
		assertThatThrownBy(() -> mapper
			.readValue("{\"Web\":{\"tab_id\":1,\"document_id\":\"" + big + "\",\"origin\":\"o\"}}", Source.class))
			.hasMessageContaining("field `document_id`");
	}

	@Test
	void unitVariantsAreAlsoAcceptedInMapForm() {
		assertThat(mapper.readValue("{\"DesktopMain\":null}", Endpoint.class)).isEqualTo(Endpoint.DESKTOP_MAIN);
		assertThat(mapper.readValue("{\"NoHandlerFound\":null}", RpcError.class)).isEqualTo(RpcError.NO_HANDLER_FOUND);
	}

	@Test
	void sourceConvertsToTheEndpointToReplyTo() {
		assertThat(new Source.Web(1, "d", "https://x").toEndpoint()).isEqualTo(new Endpoint.Web(1, "d"));
		assertThat(new Source.Named("w", "alice").toEndpoint()).isEqualTo(Endpoint.named("w"));
		assertThat(Source.DESKTOP_MAIN.toEndpoint()).isEqualTo(Endpoint.DESKTOP_MAIN);
		assertThat(new Source.BrowserBackground(HostId.id(2)).toEndpoint())
			.isEqualTo(new Endpoint.BrowserBackground(HostId.id(2)));
		assertThat(Source.of(new Endpoint.Web(1, "d"))).isEqualTo(new Source.Web(1, "d", ""));
	}

	@Test
	void structuralEquality() {
		assertThat(HostId.OWN).isNotEqualTo(HostId.id(0));
		assertThat(new Endpoint.Web(1, "a")).isNotEqualTo(new Endpoint.Web(1, "b"));
		assertThat(Endpoint.named("x")).isEqualTo(Endpoint.named("x"));
	}

}
