package dev.ipc.nativemessaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class NativeMessagingFramesTest {

	private final NativeMessagingFrames frames = new NativeMessagingFrames(ByteOrder.nativeOrder());

	@Test
	void writesTheLengthInNativeByteOrder() throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		frames.write(out, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
		byte[] bytes = out.toByteArray();
		assertThat(bytes).hasSize(4 + 7);
		assertThat(ByteBuffer.wrap(bytes, 0, 4).order(ByteOrder.nativeOrder()).getInt()).isEqualTo(7);
		assertThat(new String(bytes, 4, 7, StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
	}

	@Test
	void theByteOrderIsTheReadersOrderNotBigEndian() throws IOException {
		byte[] little = { 7, 0, 0, 0, '{', '"', 'a', '"', ':', '1', '}' };
		assertThat(new NativeMessagingFrames(ByteOrder.LITTLE_ENDIAN).read(new ByteArrayInputStream(little), 1024))
			.asString(StandardCharsets.UTF_8)
			.isEqualTo("{\"a\":1}");
		byte[] big = { 0, 0, 0, 7, '{', '"', 'a', '"', ':', '1', '}' };
		assertThat(new NativeMessagingFrames(ByteOrder.BIG_ENDIAN).read(new ByteArrayInputStream(big), 1024))
			.asString(StandardCharsets.UTF_8)
			.isEqualTo("{\"a\":1}");
		// read little-endian bytes as big-endian: 7 << 24 is over the limit, so it is
		// refused, not misread
		assertThatThrownBy(
				() -> new NativeMessagingFrames(ByteOrder.BIG_ENDIAN).read(new ByteArrayInputStream(little), 1024))
			.isInstanceOf(IOException.class);
	}

	@Test
	void readsAcrossPartialReads() throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] body = new byte[10_000];
		Arrays.fill(body, (byte) 'x');
		frames.write(out, body);
		frames.write(out, "{}".getBytes(StandardCharsets.UTF_8));
		InputStream trickle = new OneByteAtATime(new ByteArrayInputStream(out.toByteArray()));
		assertThat(frames.read(trickle, 1 << 20)).isEqualTo(body);
		assertThat(frames.read(trickle, 1 << 20)).asString(StandardCharsets.UTF_8).isEqualTo("{}");
		assertThat(frames.read(trickle, 1 << 20)).isNull();
	}

	@Test
	void skipsAnOversizedMessageAndStaysInStep() throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		frames.write(out, new byte[5000]);
		frames.write(out, "{}".getBytes(StandardCharsets.UTF_8));
		InputStream in = new OneByteAtATime(new ByteArrayInputStream(out.toByteArray()));
		assertThatThrownBy(() -> frames.read(in, 4096))
			.isInstanceOfSatisfying(NativeMessagingFrames.OversizedFrameException.class,
					ex -> assertThat(ex.length()).isEqualTo(5000))
			.hasMessageContaining("5000 bytes")
			.hasMessageContaining("limit of 4096");
		assertThat(frames.read(in, 4096)).asString(StandardCharsets.UTF_8).isEqualTo("{}");
	}

	@Test
	void aLengthAboveTwoGigabytesIsUnsignedAndRefused() {
		byte[] header = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(-1).array();
		assertThatThrownBy(() -> frames.read(new ByteArrayInputStream(header), 1 << 20))
			.isInstanceOf(NativeMessagingFrames.TruncatedFrameException.class)
			.hasMessageContaining("of 4294967295 bytes");
	}

	@Test
	void aBrowserClosingBetweenMessagesIsACleanEnd() throws IOException {
		assertThat(frames.read(new ByteArrayInputStream(new byte[0]), 1024)).isNull();
	}

	@Test
	void aBrowserClosingInsideTheHeaderOrTheBodyIsReported() throws IOException {
		assertThatThrownBy(() -> frames.read(new ByteArrayInputStream(new byte[] { 9, 0 }), 1024))
			.isInstanceOf(NativeMessagingFrames.TruncatedFrameException.class)
			.hasMessageContaining("header (2 of 4 bytes)");
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		frames.write(out, "{\"abc\":12345}".getBytes(StandardCharsets.UTF_8));
		byte[] cut = Arrays.copyOf(out.toByteArray(), 9);
		assertThatThrownBy(() -> frames.read(new OneByteAtATime(new ByteArrayInputStream(cut)), 1024))
			.isInstanceOf(NativeMessagingFrames.TruncatedFrameException.class)
			.hasMessageContaining("inside a message (5 of 13 bytes)");
	}

	/** Hands out one byte per read call, as a slow pipe may. */
	static final class OneByteAtATime extends FilterInputStream {

		OneByteAtATime(InputStream in) {
			super(in);
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			return super.read(b, off, Math.min(len, 1));
		}

	}

}
