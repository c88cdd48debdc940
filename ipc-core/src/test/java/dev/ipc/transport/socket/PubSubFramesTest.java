package dev.ipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ipc.model.Endpoint;
import dev.ipc.transport.SubscriptionTable;

/**
 * The frames of protocol version 3 (docs/transport-protocol.md §13): their exact CBOR,
 * round trips, the limits a hostile announcement runs into, and the compact
 * {@code Publish} / {@code Published} types.
 */
class PubSubFramesTest {

	private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

	private static Frame roundTrip(Frame frame) throws FrameCodecException {
		byte[] wire = FrameCodec.encode(frame);
		return FrameCodec.decode(wire, 4, wire.length - 4);
	}

	private static String bodyHex(Frame frame) {
		byte[] wire = FrameCodec.encode(frame);
		return HEX.formatHex(Arrays.copyOfRange(wire, 4, wire.length));
	}

	@Test
	void subscriptionsAndSubscribersRoundTripWithTheDocumentedEncoding() throws Exception {
		Frame.Subscriptions subscriptions = new Frame.Subscriptions(List.of("a", "bc"));
		Frame.Subscribers subscribers = new Frame.Subscribers(Endpoint.named("w"), List.of("a"));
		assertThat(roundTrip(subscriptions)).isEqualTo(subscriptions);
		assertThat(roundTrip(subscribers)).isEqualTo(subscribers);
		assertThat(roundTrip(new Frame.Subscriptions(List.of()))).isEqualTo(new Frame.Subscriptions(List.of()));
		// {"Subscriptions": {"topics": ["a", "bc"]}}
		assertThat(bodyHex(subscriptions))
			.isEqualTo("a1 6d 53 75 62 73 63 72 69 70 74 69 6f 6e 73 a1 66 74 6f 70 69 63 73 82 61 61 62 62 63");
		// {"Subscribers": {"endpoint": {"Named": {"name": "w"}}, "topics": ["a"]}}
		assertThat(bodyHex(subscribers))
			.startsWith("a1 6b 53 75 62 73 63 72 69 62 65 72 73 a2 68 65 6e 64 70 6f 69 6e 74");
	}

	@Test
	void announcementsPastTheLimitsAreMalformed() {
		List<String> tooMany = new ArrayList<>();
		for (int i = 0; i <= SubscriptionTable.MAX_TOPICS; i++) {
			tooMany.add("t" + i);
		}
		assertThatThrownBy(() -> roundTrip(new Frame.Subscriptions(tooMany))).isInstanceOf(FrameCodecException.class)
			.hasMessageContaining("topics");
		String tooLong = "x".repeat(SubscriptionTable.MAX_TOPIC_BYTES + 1);
		assertThatThrownBy(() -> roundTrip(new Frame.Subscriptions(List.of(tooLong))))
			.isInstanceOf(FrameCodecException.class);
		assertThatThrownBy(() -> roundTrip(new Frame.Subscriptions(List.of(""))))
			.isInstanceOf(FrameCodecException.class);
		assertThatThrownBy(() -> roundTrip(new Frame.Subscriptions(List.of("a", "a"))))
			.isInstanceOf(FrameCodecException.class)
			.hasMessageContaining("twice");
		assertThat(SubscriptionTable.checkAnnouncement(java.util.Set.copyOf(tooMany))).isNotNull();
		assertThat(SubscriptionTable.checkAnnouncement(java.util.Set.of("ok"))).isNull();
	}

	@Test
	void compactPublishAndPublishedDecode() throws Exception {
		byte[] payload = "cipher".getBytes(StandardCharsets.UTF_8);
		for (byte type : new byte[] { CompactFrames.PUBLISH, CompactFrames.PUBLISHED }) {
			byte[] wire = CompactFrames.encode(type, 300, "topic", payload);
			assertThat(CompactFrames.isCompact(wire, 4, wire.length - 4)).isTrue();
			assertThat(CompactFrames.decode(wire, 4, wire.length - 4))
				.isEqualTo(new CompactFrames.Data(type, 300, "topic", payload));
		}
		byte[] unknown = { 0x05, 0x01, 0x00 };
		assertThat(CompactFrames.isCompact(unknown, 0, unknown.length)).isFalse();
		assertThat(FrameCodec.SUPPORTED_VERSIONS).contains(FrameCodec.VERSION_PUBSUB);
	}

}
