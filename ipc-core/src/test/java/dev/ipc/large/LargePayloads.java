package dev.ipc.large;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/** Payloads and helpers shared by {@link LargeMessageProcessTest} and its child JVM. */
final class LargePayloads {

	/** The pub/sub topic of the large-message tests. */
	static final String TOPIC = "large.pub";

	/** The largest message both JVMs accept: room for a 16 MiB RPC body in base64. */
	static final int MAX_MESSAGE_SIZE = 32 * 1024 * 1024;

	private LargePayloads() {
	}

	/** {@code length} pseudo-random bytes, the same in every JVM for the same seed. */
	static byte[] pattern(int length, long seed) {
		byte[] bytes = new byte[length];
		new SplittableRandom(seed).nextBytes(bytes);
		return bytes;
	}

	static String sha256(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A request carrying {@code data}, asking for a reply of {@code replySize} bytes. */
	@IpcPayload("test.large.Blob")
	record Blob(byte[] data, int replySize) implements RpcRequest<BlobReply> {
	}

	/** The SHA-256 of the request's data as the handler saw it, and the reply's data. */
	record BlobReply(String requestSha256, int requestLength, byte[] data) {
	}

	/** The reply the handler of {@code request} sends (seeded by the reply size). */
	static BlobReply answer(Blob request) {
		return new BlobReply(sha256(request.data()), request.data().length,
				pattern(request.replySize(), request.replySize()));
	}

}
