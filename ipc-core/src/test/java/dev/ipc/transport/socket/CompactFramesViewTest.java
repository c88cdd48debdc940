package dev.ipc.transport.socket;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A decoded compact frame is a view into the buffer it was read from (the I/O loop's
 * shared read buffer): its payload is copied out once, and a relayed frame is built
 * straight from the view.
 */
class CompactFramesViewTest {

	@Test
	void thePayloadIsCopiedOutOnceAndSurvivesTheBuffersReuse() throws Exception {
		byte[] wire = CompactFrames.encode(CompactFrames.MESSAGE, 7, "t", new byte[] { 1, 2, 3 });
		byte[] buffer = Arrays.copyOf(wire, wire.length + 8); // a larger, reused buffer
		CompactFrames.Data data = CompactFrames.decode(buffer, 4, wire.length - 4);
		assertThat(data.payloadLength()).isEqualTo(3);
		byte[] payload = data.payload();
		assertThat(data.payload()).isSameAs(payload);
		Arrays.fill(buffer, (byte) 0x55); // the next read overwrites the buffer
		assertThat(payload).containsExactly(1, 2, 3);
		assertThat(data.payload()).containsExactly(1, 2, 3);
	}

	@Test
	void aRelayedFrameIsBuiltFromTheViewWithoutKeepingIt() throws Exception {
		byte[] wire = CompactFrames.encode(CompactFrames.MESSAGE, 7, "topic", new byte[] { 9, 8 });
		CompactFrames.Data data = CompactFrames.decode(wire, 4, wire.length - 4);
		byte[] relayed = CompactFrames.relay(CompactFrames.DELIVER, 3, data);
		Arrays.fill(wire, (byte) 0);
		assertThat(relayed).isEqualTo(CompactFrames.encode(CompactFrames.DELIVER, 3, "topic", new byte[] { 9, 8 }));
		assertThat(CompactFrames.decode(relayed, 4, relayed.length - 4))
			.isEqualTo(new CompactFrames.Data(CompactFrames.DELIVER, 3, "topic", new byte[] { 9, 8 }));
	}

}
