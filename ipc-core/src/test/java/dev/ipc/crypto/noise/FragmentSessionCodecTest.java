package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * The negotiated fragment limit is persisted with a session, outside the reference's
 * {@code state} object, and only when there is one; a session in the older (or the
 * reference's) format takes no fragments.
 */
class FragmentSessionCodecTest {

	private final NoiseSessionCodec codec = new NoiseSessionCodec();

	private static NoiseSession session() {
		return new NoiseSession(
				new NoiseTransportState(TransportCipher.AES256_GCM, new byte[32], new byte[32], 5, 7, 1_700_000_000L));
	}

	private static String json(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

	@Test
	void aSessionWithoutFragmentsIsWrittenInTheReferencesShape() {
		String written = json(codec.encode(session()));
		assertThat(written).startsWith("{\"state\":{").endsWith("}}").doesNotContain("ipc_fragment_limit");
	}

	@Test
	void theLimitSurvivesARoundTrip() {
		byte[] written = codec.encode(session().fragmentLimit(16 * 1024 * 1024));
		assertThat(json(written)).endsWith("},\"ipc_fragment_limit\":16777216}");
		NoiseSession read = codec.decode(written);
		assertThat(read.fragmentLimit()).isEqualTo(16 * 1024 * 1024);
		assertThat(read.state().sendNonce()).isEqualTo(5);
		assertThat(read.copy().fragmentLimit()).isEqualTo(16 * 1024 * 1024);
	}

	@Test
	void anOlderSessionOrAnUnreadableLimitMeansNoFragments() {
		String older = json(codec.encode(session()));
		assertThat(codec.decode(older.getBytes(StandardCharsets.UTF_8)).fragmentLimit()).isZero();
		for (String value : new String[] { "-1", "0", "\"big\"", "{\"a\":1}", "[1,2]", "99999999999999999999" }) {
			String odd = older.substring(0, older.length() - 1) + ",\"ipc_fragment_limit\":" + value + "}";
			assertThat(codec.decode(odd.getBytes(StandardCharsets.UTF_8)).fragmentLimit()).as(value).isZero();
		}
	}

}
