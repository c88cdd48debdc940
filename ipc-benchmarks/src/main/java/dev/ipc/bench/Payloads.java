package dev.ipc.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/**
 * The payloads every benchmark uses: one realistic JSON object whose {@code data} field
 * is padded so that its compact JSON encoding is exactly 200 bytes, 1 KiB or 60 KiB. The
 * raw-socket and gRPC baselines carry exactly these JSON bytes; our client carries the
 * object (and encodes/decodes it).
 */
public final class Payloads {

	/** The sizes the issue asks for: a ~200-byte JSON object, 1 KiB, 60 KiB. */
	public static final int[] SIZES = { 200, 1024, 60 * 1024 };

	private Payloads() {
	}

	/** A pub/sub and RPC payload: a vault-item event. */
	@IpcPayload("bench.item-event")
	public record ItemEvent(long id, String user, String kind, int revision, long timestamp, List<String> tags,
			boolean favorite, String data) {
	}

	/** Echo RPC: the responder returns the event it was given. */
	@IpcPayload("bench.echo")
	public record EchoRequest(ItemEvent event) implements RpcRequest<ItemEvent> {
	}

	/**
	 * Host to a publishing peer: how many of its events the host has received so far
	 * (flow control).
	 */
	@IpcPayload("bench.ack")
	public record Ack(long received) {
	}

	/**
	 * Asks the host how many events it has received from the caller; a positive
	 * {@code ackEvery} also sets how often the host acknowledges the caller's events from
	 * now on.
	 */
	@IpcPayload("bench.count")
	public record CountRequest(int ackEvery) implements RpcRequest<Ack> {
	}

	/** An event whose compact JSON (default codec) is exactly {@code jsonBytes} long. */
	public static ItemEvent event(int jsonBytes) {
		PayloadCodec codec = PayloadCodec.defaults();
		ItemEvent base = base("");
		int overhead = codec.encode(base).length;
		int pad = jsonBytes - overhead;
		if (pad < 0) {
			throw new IllegalArgumentException("smallest event is " + overhead + " bytes");
		}
		StringBuilder data = new StringBuilder(pad);
		String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		for (int i = 0; i < pad; i++) {
			data.append(alphabet.charAt((i * 7 + 3) % alphabet.length()));
		}
		ItemEvent event = base(data.toString());
		int actual = codec.encode(event).length;
		if (actual != jsonBytes) {
			throw new IllegalStateException("event is " + actual + " bytes, wanted " + jsonBytes);
		}
		return event;
	}

	/** The JSON bytes of {@link #event(int)}: what the baselines send. */
	public static byte[] json(int jsonBytes) {
		byte[] bytes = PayloadCodec.defaults().encode(event(jsonBytes));
		return bytes;
	}

	private static ItemEvent base(String data) {
		return new ItemEvent(9_007_199_254L, "alice@example.com", "vault.item.updated", 42, 1_767_225_600_000L,
				List.of("login", "favorite", "shared"), true, data);
	}

	/** A short human label of a size, as used in tables. */
	public static String label(int size) {
		if (size >= 1024 && size % 1024 == 0) {
			return (size / 1024) + " KiB";
		}
		return size + " B";
	}

	static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
