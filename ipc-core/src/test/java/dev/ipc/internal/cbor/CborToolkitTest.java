package dev.ipc.internal.cbor;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The CBOR toolkit's bounds: what a hostile peer can declare (deep nesting, huge lengths,
 * tag chains, indefinite lengths, truncation) costs at most the input's size and fails
 * with a {@link CborException}; strings are views into the input.
 */
class CborToolkitTest {

	private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

	private static void check(byte[] b, boolean tags) throws CborException {
		CborScan.check(b, 0, b.length, 16, tags);
	}

	@Test
	void theWriterWritesShortestHeadsAndDefiniteLengths() {
		CborWriter w = new CborWriter(1);
		w.head(CborWriter.UNSIGNED, 23)
			.head(CborWriter.UNSIGNED, 24)
			.head(CborWriter.UNSIGNED, 0x100)
			.head(CborWriter.UNSIGNED, 0x1_0000)
			.head(CborWriter.UNSIGNED, -1L)
			.integer(-1)
			.integer(-25)
			.text("ü")
			.text("ab")
			.bytes(new byte[] { 9, 8, 7 }, 1, 2)
			.uintArray(new byte[] { 1, (byte) 0xFF })
			.nul();
		assertThat(HEX.formatHex(w.toByteArray()))
			.isEqualTo("17 18 18 19 01 00 1a 00 01 00 00 1b ff ff ff ff ff ff ff ff"
					+ " 20 38 18 62 c3 bc 62 61 62 42 08 07 82 01 18 ff f6");
		for (long v : List.of(0L, 23L, 24L, 255L, 256L, 65535L, 65536L, 0xFFFF_FFFFL, 1L << 32, -1L)) {
			byte[] out = new byte[9];
			assertThat(CborWriter.putHead(out, 0, 0, v)).isEqualTo(CborWriter.headSize(v));
		}
		w.reset();
		assertThat(w.position()).isZero();
		w.skip(4).text("x").putInt(0, 2);
		assertThat(HEX.formatHex(w.toByteArray())).isEqualTo("00 00 00 02 61 78");
	}

	@Test
	void theReaderReadsWhatTheWriterWrites() throws Exception {
		byte[] payload = { 1, 2, 3 };
		byte[] b = new CborWriter(16).head(CborWriter.MAP, 3)
			.text("n")
			.integer(-300)
			.text("t")
			.text("grüße")
			.text("p")
			.bytes(payload, 0, 3)
			.toByteArray();
		check(b, false);
		CborReader r = new CborReader(b, 0, b.length, false, 16);
		long left = r.readContainer(CborWriter.MAP);
		assertThat(left).isEqualTo(3);
		r.readTextView();
		assertThat(r.viewEquals(new byte[] { 'n' })).isTrue();
		assertThat(r.readInteger()).isEqualTo(-300);
		assertThat(r.readText()).isEqualTo("t");
		assertThat(r.readText()).isEqualTo("grüße");
		r.skip();
		r.readBytesView();
		assertThat(r.viewCopy()).isEqualTo(payload);
		r.expectEnd();
	}

	@Test
	void stringsAreViewsIntoTheInputUnlessChunked() throws Exception {
		byte[] b = HEX.parseHex("82 43 0a 0b 0c 5f 41 01 42 02 03 ff");
		CborReader r = new CborReader(b, 0, b.length, false, 16);
		long left = r.readContainer(CborWriter.ARRAY);
		r.readBytesView();
		assertThat(r.viewArray()).isSameAs(b);
		assertThat(r.viewOffset()).isEqualTo(2);
		assertThat(r.viewLength()).isEqualTo(3);
		// a view sees the input: who reuses its buffer must copy what it keeps
		b[2] = 0x7F;
		assertThat(r.viewArray()[r.viewOffset()]).isEqualTo((byte) 0x7F);
		r.readBytesView();
		assertThat(r.viewArray()).isNotSameAs(b);
		assertThat(r.viewCopy()).containsExactly(1, 2, 3);
		assertThat(r.hasNext(left - 2)).isFalse();
		r.expectEnd();
	}

	@Test
	void readsFromARangeWithoutLookingAround() throws Exception {
		byte[] b = HEX.parseHex("ff ff 41 07 ff");
		CborScan.check(b, 2, 2, 16, false);
		CborReader r = new CborReader(b, 2, 2, false, 16);
		r.readBytesView();
		assertThat(r.viewCopy()).containsExactly(7);
		r.expectEnd();
		CborReader truncated = new CborReader(b, 2, 1, false, 16);
		assertThatThrownBy(truncated::readBytesView).isInstanceOf(CborException.class);
	}

	@Test
	@Timeout(10)
	void deepNestingIsRefused() {
		byte[] deep = new byte[1_000_001];
		Arrays.fill(deep, 0, 1_000_000, (byte) 0x81);
		assertThatThrownBy(() -> check(deep, false)).isInstanceOf(CborException.class)
			.hasMessageContaining("nested deeper than 16");
		CborReader r = new CborReader(deep, 0, deep.length, false, 16);
		assertThatThrownBy(r::skip).isInstanceOf(CborException.class).hasMessageContaining("nested deeper");
		byte[] indefinite = new byte[2_000_000];
		Arrays.fill(indefinite, 0, 1_000_000, (byte) 0xBF);
		Arrays.fill(indefinite, 1_000_000, 2_000_000, (byte) 0xFF);
		assertThatThrownBy(() -> check(indefinite, false)).hasMessageContaining("nested deeper");
		// sixteen levels are fine
		byte[] sixteen = new byte[17];
		Arrays.fill(sixteen, 0, 16, (byte) 0x81);
		assertThat(catchCbor(() -> check(sixteen, false))).isNull();
	}

	@Test
	@Timeout(10)
	void tagChainsAreRefusedOrBounded() {
		byte[] chain = new byte[1_000_001];
		Arrays.fill(chain, 0, 1_000_000, (byte) 0xC1);
		chain[1_000_000] = 0x00;
		assertThatThrownBy(() -> check(chain, false)).hasMessageContaining("CBOR tags are not accepted");
		assertThatThrownBy(() -> check(chain, true)).hasMessageContaining("nested deeper");
		CborReader r = new CborReader(chain, 0, chain.length, true, 16);
		assertThatThrownBy(r::readUnsigned).hasMessageContaining("nested deeper");
		byte[] two = HEX.parseHex("c1 d8 20 05");
		assertThat(catchCbor(() -> check(two, true))).isNull();
		CborReader ok = new CborReader(two, 0, two.length, true, 16);
		assertThat(catchCbor(() -> assertThat(ok.readUnsigned()).isEqualTo(5))).isNull();
		assertThatThrownBy(() -> new CborReader(two, 0, two.length, false, 16).readUnsigned())
			.hasMessageContaining("tags");
	}

	@Test
	void hugeDeclaredLengthsAreRefusedBeforeAnyAllocation() {
		for (String hex : List.of("5b 7f ff ff ff ff ff ff ff", "5b ff ff ff ff ff ff ff ff", "7a 7f ff ff ff",
				"9b 7f ff ff ff ff ff ff ff", "9a 7f ff ff ff 00", "ba 40 00 00 00 00 00", "bb ff ff ff ff ff ff ff ff",
				"82 01", "a1 01")) {
			byte[] b = HEX.parseHex(hex);
			assertThatThrownBy(() -> check(b, false)).as(hex).isInstanceOf(CborException.class);
			CborReader r = new CborReader(b, 0, b.length, false, 16);
			assertThatThrownBy(r::skip).as(hex).isInstanceOf(CborException.class);
		}
		byte[] map = HEX.parseHex("ba 00 00 00 05 01");
		CborReader r = new CborReader(map, 0, map.length, false, 16);
		assertThatThrownBy(() -> r.readContainer(CborWriter.MAP)).hasMessageContaining("more items");
	}

	@Test
	void indefiniteLengthsMustBeClosedAndWellChunked() throws Exception {
		for (String hex : List.of("5f 41 00", "5f 61 61 ff", "7f 41 00 ff", "5f 5f ff ff", "9f 01", "bf 01 ff", "bf 01",
				"ff", "81 ff", "1c", "f8")) {
			byte[] b = HEX.parseHex(hex);
			assertThatThrownBy(() -> check(b, false)).as(hex).isInstanceOf(CborException.class);
		}
		byte[] ok = HEX.parseHex("bf 61 61 9f 01 02 ff 7f 61 62 60 ff 5f ff ff");
		check(ok, false);
		CborReader r = new CborReader(ok, 0, ok.length, false, 16);
		r.skip();
		r.expectEnd();
	}

	@Test
	void textMustBeValidUtf8() {
		for (String hex : List.of("62 c3 28", "61 80", "63 ed a0 80", "62 c0 80")) {
			byte[] b = HEX.parseHex(hex);
			assertThatThrownBy(() -> check(b, false)).as(hex).hasMessageContaining("UTF-8");
			assertThatThrownBy(() -> new CborReader(b, 0, b.length, false, 16).readText()).as(hex)
				.hasMessageContaining("UTF-8");
		}
	}

	@Test
	void everyTruncationFailsCleanly() throws Exception {
		byte[] b = new CborWriter(64).head(CborWriter.MAP, 2)
			.text("key")
			.head(CborWriter.ARRAY, 2)
			.integer(1_000_000)
			.bytes(new byte[30], 0, 30)
			.text("n")
			.head(CborWriter.UNSIGNED, -1L)
			.toByteArray();
		check(b, false);
		for (int length = 0; length < b.length; length++) {
			int n = length;
			assertThatThrownBy(() -> CborScan.check(b, 0, n, 16, false)).as("prefix %d", n)
				.isInstanceOf(CborException.class);
			CborReader r = new CborReader(b, 0, n, false, 16);
			assertThatThrownBy(() -> {
				r.skip();
				r.expectEnd();
			}).as("prefix %d", n).isInstanceOf(CborException.class);
		}
	}

	@Test
	void randomInputOnlyEverFailsWithACborException() {
		Random random = new Random(42);
		for (int i = 0; i < 20_000; i++) {
			byte[] b = new byte[random.nextInt(48)];
			random.nextBytes(b);
			boolean tags = random.nextBoolean();
			boolean scanned = catchCbor(() -> check(b, tags)) == null;
			CborReader r = new CborReader(b, 0, b.length, tags, 16);
			Throwable read = catchCbor(() -> {
				r.skip();
				r.expectEnd();
			});
			if (scanned && read != null) {
				fail("the scan accepted what the reader refused: " + HEX.formatHex(b), read);
			}
		}
	}

	private interface CborAction {

		void run() throws CborException;

	}

	/** The {@link CborException} the action threw, or null; anything else fails. */
	private static CborException catchCbor(CborAction action) {
		try {
			action.run();
			return null;
		}
		catch (CborException ex) {
			return ex;
		}
		catch (RuntimeException ex) {
			throw new AssertionError("threw " + ex, ex);
		}
	}

}
