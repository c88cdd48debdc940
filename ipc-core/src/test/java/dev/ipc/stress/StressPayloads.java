package dev.ipc.stress;

import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/** The payloads the stress nodes exchange. */
final class StressPayloads {

	private StressPayloads() {
	}

	/** An event. */
	@IpcPayload("stress.greeting")
	record Greeting(String text) {
	}

	/** Answered with the same text and the name of whoever answered. */
	@IpcPayload("stress.echo")
	record Echo(String text) implements RpcRequest<EchoReply> {
	}

	record EchoReply(String text, String by) {
	}

}
