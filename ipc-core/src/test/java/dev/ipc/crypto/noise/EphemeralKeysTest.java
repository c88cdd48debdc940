package dev.ipc.crypto.noise;

import static dev.ipc.crypto.noise.NoiseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.IpcException;
import dev.ipc.testing.TestCommunicationBackend;

/**
 * Pre-generated ephemeral keys ({@link EphemeralKeys}): prepared while a handshake waits,
 * and never handed to two handshakes.
 */
class EphemeralKeysTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@ParameterizedTest
	@EnumSource(value = NoiseSuite.class, names = { "P256_AESGCM_SHA256", "X25519_AESGCM_SHA256" })
	void aPreparedPairIsHandedOutOnceAndThenAFreshOneIsMade(NoiseSuite suite) {
		Dh dh = suite.dh();
		EphemeralKeys.refill(dh);
		assertThat(EphemeralKeys.isPrepared(dh)).isTrue();
		Dh.KeyPair first = EphemeralKeys.take(dh);
		assertThat(EphemeralKeys.isPrepared(dh)).isFalse();
		Dh.KeyPair second = EphemeralKeys.take(dh);
		assertThat(second.publicKey()).isNotEqualTo(first.publicKey());
		EphemeralKeys.refill(dh);
		EphemeralKeys.refill(dh); // a ready pair is kept, not replaced
		Dh.KeyPair third = EphemeralKeys.take(dh);
		assertThat(third.publicKey()).isNotEqualTo(first.publicKey()).isNotEqualTo(second.publicKey());
	}

	@Test
	void concurrentInitiatorsNeverShareAnEphemeral() throws Exception {
		NoiseSuite suite = NoiseSuite.X25519_AESGCM_SHA256;
		ExecutorService pool = Executors.newFixedThreadPool(4);
		try {
			List<Future<String>> starts = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				starts.add(pool.submit(() -> {
					EphemeralKeys.refill(suite.dh()); // as every waiting initiator does
					try (NoiseHandshake initiator = NoiseHandshake.initiator(suite)) {
						return HexFormat.of().formatHex(initiator.writeMessage()); // NN:
																					// e
					}
				}));
			}
			Set<String> seen = new HashSet<>();
			for (Future<String> start : starts) {
				assertThat(seen.add(start.get())).as("an ephemeral key used twice").isTrue();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void twoHandshakesOfAProviderStartWithDifferentEphemeralsAndTheNextIsPrepared() throws Exception {
		Endpoint peer = Endpoint.DESKTOP_RENDERER;
		List<String> ephemerals = new ArrayList<>();
		for (int round = 0; round < 2; round++) {
			TestCommunicationBackend wire = new TestCommunicationBackend();
			CryptoContext<NoiseSession> context = new CryptoContext<>(wire, new InMemorySessionRepository<>(),
					new NoiseTestSupport.RecordingEvents());
			NoiseCryptoProvider provider = NoiseCryptoProvider.builder()
				.handshakeTimeout(Duration.ofMillis(300))
				.build();
			provider.warmUp();
			assertThat(EphemeralKeys.isPrepared(NoiseSuite.DEFAULT.dh())).isTrue();
			CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
				try {
					provider.send(context, new OutgoingMessage(utf8("hello"), peer, null));
				}
				catch (IpcException ex) {
					// nobody answers: times out
				}
			});
			await().atMost(WAIT).until(() -> wire.outgoing().size() == 1);
			NoiseFrame.HandshakeStart start = (NoiseFrame.HandshakeStart) NoiseFrameCodec
				.decode(wire.outgoing().get(0).payload());
			ephemerals.add(HexFormat.of().formatHex(start.noiseFrame()));
			// the waiting sender prepares the next handshake's key
			await().atMost(WAIT).until(() -> EphemeralKeys.isPrepared(NoiseSuite.DEFAULT.dh()));
			sending.get();
		}
		assertThat(ephemerals.get(1)).isNotEqualTo(ephemerals.get(0));
	}

}
