package dev.ipc.spring.test;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/** Payload and request types shared by the tests. */
public final class TestPayloads {

	private TestPayloads() {
	}

	/** A pub/sub event. */
	@IpcPayload("test.event")
	public record TestEvent(@NotBlank String text) {
	}

	/** Another pub/sub event. */
	@IpcPayload("test.other-event")
	public record OtherEvent(int value) {
	}

	/** An RPC request answered with {@link SumResult}. */
	@IpcPayload("test.sum")
	public record Sum(@Min(0) int a, @Min(0) int b) implements RpcRequest<SumResult> {
	}

	/** A request with {@link Sum}'s name but a body that does not bind to it. */
	@IpcPayload("test.sum")
	public record BadSum(String a) implements RpcRequest<SumResult> {
	}

	/** The answer to {@link Sum}. */
	public record SumResult(int value) {
	}

	/** An RPC request answered with a String. */
	@IpcPayload("test.echo")
	public record Echo(String text) implements RpcRequest<String> {
	}

	/** An RPC request whose handler fails. */
	@IpcPayload("test.fail")
	public record Fail(String how) implements RpcRequest<String> {
	}

	/** An RPC request whose handler blocks until told to go on. */
	@IpcPayload("test.slow")
	public record Slow(String id) implements RpcRequest<String> {
	}

}
