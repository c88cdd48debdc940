package dev.ipc.crypto.noise;

import java.nio.charset.StandardCharsets;

import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * The send side of large messages: splits a payload above one transport frame into
 * fragments ({@link FragmentHeader}), each encrypted and sent as an ordinary transport
 * frame by the caller's {@link FrameSink}, in order, while the caller holds the peer's
 * lock (so no other frame to that peer can come between them). A payload whose peer takes
 * no fragments is refused with the reference's error before anything is sent. Nothing of
 * the payload is copied here: the sink encrypts the header and the slice in one pass,
 * straight into the frame.
 */
final class Fragmenter {

	/**
	 * Encrypts the plaintext {@code head[0, headLength) ‖ body[offset, +length)} and
	 * sends it as one transport frame with a clear topic.
	 */
	@FunctionalInterface
	interface FrameSink {

		void send(byte[] head, int headLength, byte[] body, int offset, int length, String topic);

	}

	private static final int FRAME = NoiseTransportState.MAX_PLAINTEXT_LENGTH;

	private Fragmenter() {
	}

	/** The error of a payload over one frame toward a peer that takes no fragments. */
	static IpcException noFragmentation(int length) {
		return new IpcException(ErrorKind.OTHER, "Message payload is " + length
				+ " bytes; the Noise transport limit is " + FRAME + " bytes per message (there is no fragmentation)");
	}

	/**
	 * Refuses {@code length} before anything is sent if it exceeds
	 * {@code maxMessageSize}, this side's limit.
	 */
	static void checkOwnLimit(int length, int maxMessageSize) {
		if (length > maxMessageSize) {
			if (maxMessageSize <= FRAME) {
				throw noFragmentation(length);
			}
			throw new IpcException(ErrorKind.OTHER, "Message payload is " + length
					+ " bytes, over the largest message size of " + maxMessageSize + " bytes (ipc.max-message-size)");
		}
	}

	/**
	 * Sends {@code message} (longer than one frame) as fragments through {@code sink}.
	 * Locked by the caller. A failure of the sink part way leaves the peer with an
	 * incomplete message, which it drops.
	 * @throws IpcException before anything is sent if the session takes no fragments or
	 * the payload exceeds the peer's limit; else whatever the sink throws
	 */
	static void send(PeerState p, NoiseSession session, Endpoint peer, OutgoingMessage message, FrameSink sink) {
		byte[] payload = message.payload();
		int limit = session.fragmentLimit();
		if (limit <= 0) {
			throw noFragmentation(payload.length);
		}
		if (payload.length > limit) {
			throw new IpcException(ErrorKind.OTHER, "Message payload is " + payload.length + " bytes; " + peer
					+ " accepts at most " + limit + " bytes per message");
		}
		String topic = message.topic();
		byte[] topicBytes = topic == null ? null : topic.getBytes(StandardCharsets.UTF_8);
		if (topicBytes != null && topicBytes.length > FragmentHeader.MAX_TOPIC_BYTES) {
			throw new IpcException(ErrorKind.OTHER, "The topic of a message over " + FRAME + " bytes may be at most "
					+ FragmentHeader.MAX_TOPIC_BYTES + " bytes of UTF-8, got " + topicBytes.length);
		}
		int id = p.nextFragmentMessageId++;
		byte[] head = new byte[FragmentHeader.FIRST_LENGTH + (topicBytes == null ? 0 : topicBytes.length)];
		int header = FragmentHeader.writeFirst(head, id, payload.length, topicBytes);
		int offset = 0;
		for (int index = 0; offset < payload.length; index++) {
			if (index > 0) {
				header = FragmentHeader.writeNext(head, id, index);
			}
			int chunk = Math.min(FRAME - header, payload.length - offset);
			sink.send(head, header, payload, offset, chunk, FragmentHeader.TOPIC);
			offset += chunk;
		}
	}

}
