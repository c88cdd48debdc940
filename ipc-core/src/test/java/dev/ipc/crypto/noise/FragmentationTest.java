package dev.ipc.crypto.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.ipc.crypto.noise.NoiseFrame.HandshakeFinish;
import dev.ipc.crypto.noise.NoiseFrame.HandshakeStart;
import dev.ipc.crypto.noise.NoiseTestSupport.RecordingEvents;
import dev.ipc.event.DropReason;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.IpcException;
import dev.ipc.testing.TestCommunicationBackend;

/**
 * Large messages at the provider level: negotiation in the handshake, reassembly, and
 * hostile fragment streams (out of order, duplicated, interleaved, never finished, over
 * the limit, across a rehandshake or a departure) sent by a scripted Java peer. Each is
 * dropped and counted once, never delivered, never leaks reassembly memory, and the next
 * well-formed message still arrives.
 */
class FragmentationTest {

	private static final Endpoint ME = Endpoint.named("me");

	private static final int LIMIT = 1024 * 1024;

	private static final int FRAME = NoiseTransportState.MAX_PLAINTEXT_LENGTH;

	private final TestCommunicationBackend backend = new TestCommunicationBackend();

	private final InMemorySessionRepository<NoiseSession> sessions = new InMemorySessionRepository<>();

	private final RecordingEvents events = new RecordingEvents();

	private final CryptoContext<NoiseSession> context = new CryptoContext<>(backend, sessions, events);

	private NoiseCryptoProvider provider = NoiseCryptoProvider.builder()
		.maxMessageSize(LIMIT)
		.reassemblyTimeout(Duration.ofMillis(200))
		.build();

	/** A Java peer played by hand: it advertises fragments (unless told not to). */
	private final class JavaPeer {

		final Source source;

		final Endpoint endpoint;

		NoiseTransportState state;

		int nextId = 100;

		JavaPeer(String name) {
			this.source = new Source.Named(name);
			this.endpoint = source.toEndpoint();
		}

		/** Handshakes with the provider as initiator; returns the agreed limit. */
		JavaPeer handshake(boolean advertise) throws Exception {
			NoiseHandshake initiator = NoiseHandshake.initiator(NoiseSuite.DEFAULT);
			byte[] start = NoiseFrameCodec.encode(new HandshakeStart(NoiseSuite.DEFAULT, initiator.writeMessage(),
					advertise ? Features.local(64 * 1024 * 1024).encode() : null));
			backend.drainOutgoing();
			assertThat(provider.process(context, new IncomingMessage(start, ME, source, null))).isNull();
			OutgoingMessage reply = backend.drainOutgoing().get(0);
			HandshakeFinish finish = (HandshakeFinish) NoiseFrameCodec.decode(reply.payload());
			byte[] payload = initiator.readMessageWithPayload(finish.noiseFrame());
			assertThat(Features.decode(payload).isEmpty()).isEqualTo(!advertise);
			try (NoiseSplit split = initiator.split()) {
				state = NoiseTransportState.fromSplit(split, true, NoiseSuite.DEFAULT.transportCipher(), 0);
			}
			initiator.close();
			return this;
		}

		@Nullable IncomingMessage frame(byte[] plaintext, @Nullable String topic) {
			byte[] frame = NoiseFrameCodec.encode(state.encrypt(plaintext));
			return provider.process(context, new IncomingMessage(frame, ME, source, topic));
		}

		@Nullable IncomingMessage fragment(byte[] plaintext) {
			return frame(plaintext, FragmentHeader.TOPIC);
		}

		/** The fragments {@code payload} is sent as, under message id {@code id}. */
		List<byte[]> fragments(int id, byte[] payload, @Nullable String topic) {
			List<byte[]> out = new ArrayList<>();
			byte[] buffer = new byte[FRAME];
			int header = FragmentHeader.writeFirst(buffer, id, payload.length,
					topic == null ? null : topic.getBytes(StandardCharsets.UTF_8));
			int offset = 0;
			for (int index = 0; offset < payload.length; index++) {
				if (index > 0) {
					header = FragmentHeader.writeNext(buffer, id, index);
				}
				int chunk = Math.min(FRAME - header, payload.length - offset);
				System.arraycopy(payload, offset, buffer, header, chunk);
				offset += chunk;
				out.add(Arrays.copyOf(buffer, header + chunk));
			}
			return out;
		}

		/**
		 * Sends {@code payload} whole; returns what the provider delivered at the end.
		 */
		@Nullable IncomingMessage send(byte[] payload, String topic) {
			List<byte[]> parts = fragments(nextId++, payload, topic);
			IncomingMessage last = null;
			for (int i = 0; i < parts.size(); i++) {
				last = fragment(parts.get(i));
				if (i < parts.size() - 1) {
					assertThat(last).isNull();
				}
			}
			return last;
		}

	}

	private static byte[] random(int length, long seed) {
		byte[] bytes = new byte[length];
		new Random(seed).nextBytes(bytes);
		return bytes;
	}

	private void assertNoReassemblyHeld() {
		assertThat(provider.fragmentation().reservedBytes()).isZero();
		assertThat(provider.fragmentation().reassemblies()).isZero();
	}

	private void assertStillWorks(JavaPeer peer) {
		byte[] payload = random(200_000, 99);
		IncomingMessage delivered = peer.send(payload, "after");
		assertThat(delivered).isNotNull();
		assertThat(delivered.payload()).isEqualTo(payload);
		assertThat(delivered.topic()).isEqualTo("after");
		assertNoReassemblyHeld();
	}

	@Test
	void javaPeersAgreeOnFragmentsAndTheSessionRemembersThePeersLimit() throws Exception {
		new JavaPeer("a").handshake(true);
		assertThat(sessions.get(Endpoint.named("a")).orElseThrow().fragmentLimit()).isEqualTo(64 * 1024 * 1024);
		new JavaPeer("b").handshake(false);
		assertThat(sessions.get(Endpoint.named("b")).orElseThrow().fragmentLimit()).isZero();
	}

	@Test
	void aFragmentedMessageIsDeliveredOnceWithItsTopicSourceAndBytes() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		byte[] payload = random(LIMIT, 1);
		IncomingMessage delivered = peer.send(payload, "big.topic");
		assertThat(delivered).isNotNull();
		assertThat(delivered.payload()).isEqualTo(payload);
		assertThat(delivered.topic()).isEqualTo("big.topic");
		assertThat(delivered.source()).isEqualTo(peer.source);
		assertThat(delivered.destination()).isEqualTo(ME);
		assertThat(events.drops).isEmpty();
		assertNoReassemblyHeld();
	}

	@Test
	void outOfOrderFragmentsDropTheMessageOnceAndTheRestIsSwallowed() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		List<byte[]> parts = peer.fragments(1, random(300_000, 2), "t");
		assertThat(peer.fragment(parts.get(0))).isNull();
		assertThat(peer.fragment(parts.get(2))).isNull();
		for (byte[] part : parts.subList(3, parts.size())) {
			assertThat(peer.fragment(part)).isNull();
		}
		assertThat(events.dropped(DropReason.MALFORMED_FRAGMENT)).isEqualTo(1);
		assertThat(events.drops).hasSize(1);
		assertStillWorks(peer);
	}

	@Test
	void aDuplicatedFragmentDropsTheMessage() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		List<byte[]> parts = peer.fragments(1, random(300_000, 3), "t");
		assertThat(peer.fragment(parts.get(0))).isNull();
		assertThat(peer.fragment(parts.get(1))).isNull();
		assertThat(peer.fragment(parts.get(1))).isNull(); // re-encrypted: passes the
															// nonce check
		for (byte[] part : parts.subList(2, parts.size())) {
			assertThat(peer.fragment(part)).isNull();
		}
		assertThat(events.dropped(DropReason.MALFORMED_FRAGMENT)).isEqualTo(1);
		assertStillWorks(peer);
	}

	@Test
	void interleavedMessagesEndTheInterruptedOne() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		List<byte[]> first = peer.fragments(1, random(200_000, 4), "one");
		byte[] secondPayload = random(200_000, 5);
		List<byte[]> second = peer.fragments(2, secondPayload, "two");
		assertThat(peer.fragment(first.get(0))).isNull();
		assertThat(peer.fragment(second.get(0))).isNull();
		assertThat(peer.fragment(first.get(1))).isNull(); // another message's: ends the
															// second too
		assertThat(events.dropped(DropReason.INCOMPLETE_MESSAGE)).isEqualTo(2);
		assertThat(events.dropped(DropReason.MALFORMED_FRAGMENT)).isEqualTo(1);
		assertStillWorks(peer);
	}

	@Test
	void anOrdinaryMessageInTheMiddleEndsTheFragmentedOneAndIsDelivered() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		List<byte[]> parts = peer.fragments(1, random(200_000, 6), "t");
		assertThat(peer.fragment(parts.get(0))).isNull();
		IncomingMessage small = peer.frame("small".getBytes(StandardCharsets.UTF_8), "plain");
		assertThat(small).isNotNull();
		assertThat(small.topic()).isEqualTo("plain");
		assertThat(events.dropped(DropReason.INCOMPLETE_MESSAGE)).isEqualTo(1);
		assertThat(peer.fragment(parts.get(1))).isNull();
		assertThat(events.dropped(DropReason.MALFORMED_FRAGMENT)).isEqualTo(1);
		assertStillWorks(peer);
	}

	@Test
	void aMessageThatNeverFinishesTimesOutAndReleasesItsMemory() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		List<byte[]> parts = peer.fragments(1, random(LIMIT, 7), "t");
		for (byte[] part : parts.subList(0, parts.size() - 1)) {
			assertThat(peer.fragment(part)).isNull();
		}
		assertThat(provider.fragmentation().reservedBytes()).isEqualTo(LIMIT);
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			provider.fragmentation().sweep(false);
			return events.dropped(DropReason.INCOMPLETE_MESSAGE) == 1;
		});
		assertNoReassemblyHeld();
		assertThat(peer.fragment(parts.get(parts.size() - 1))).isNull(); // too late
		assertStillWorks(peer);
	}

	@Test
	void aMessageOverTheLimitIsDroppedBeforeAnythingIsAllocated() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		List<byte[]> parts = peer.fragments(1, random(LIMIT + 1, 8), "t");
		for (byte[] part : parts) {
			assertThat(peer.fragment(part)).isNull();
			assertNoReassemblyHeld();
		}
		assertThat(events.dropped(DropReason.OVERSIZED_MESSAGE)).isEqualTo(1);
		assertThat(events.drops).hasSize(1);
		// a first fragment that lies about its length (far more than it will send)
		byte[] lie = new byte[FragmentHeader.FIRST_LENGTH + 10];
		FragmentHeader.writeFirst(lie, 7, Integer.MAX_VALUE, null);
		assertThat(peer.fragment(lie)).isNull();
		assertThat(events.dropped(DropReason.OVERSIZED_MESSAGE)).isEqualTo(2);
		assertStillWorks(peer);
	}

	@Test
	void malformedHeadersAreDroppedNeverThrown() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		assertThat(peer.fragment(new byte[] { 1, 2 })).isNull();
		assertThat(peer.fragment(new byte[] { 9, 0, 0, 0, 1, 0, 0, 0, 0, 0 })).isNull(); // version
		byte[] small = new byte[100];
		FragmentHeader.writeFirst(small, 1, 50, null); // a "large" message of 50 bytes
		assertThat(peer.fragment(small)).isNull();
		byte[] tooLong = new byte[FragmentHeader.FIRST_LENGTH + 100];
		FragmentHeader.writeFirst(tooLong, 2, 70_000, new byte[] { (byte) 0xff, (byte) 0xfe }); // bad
																								// UTF-8
		assertThat(peer.fragment(tooLong)).isNull();
		assertThat(events.dropped(DropReason.MALFORMED_FRAGMENT)).isEqualTo(4);
		assertStillWorks(peer);
	}

	@Test
	void aRehandshakeDiscardsTheMessageInReassembly() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		List<byte[]> parts = peer.fragments(1, random(300_000, 9), "t");
		assertThat(peer.fragment(parts.get(0))).isNull();
		NoiseTransportState old = peer.state;
		peer.handshake(true); // the provider keeps its session until the first frame
								// under the new one
		assertThat(peer.frame("confirm".getBytes(StandardCharsets.UTF_8), "c")).isNotNull();
		assertThat(events.dropped(DropReason.INCOMPLETE_MESSAGE)).isEqualTo(1);
		assertNoReassemblyHeld();
		NoiseTransportState fresh = peer.state;
		peer.state = old; // the rest under the old session (still decrypt-only for a
							// grace period)
		assertThat(peer.fragment(parts.get(1))).isNull();
		assertThat(events.dropped(DropReason.MALFORMED_FRAGMENT)).isEqualTo(1);
		peer.state = fresh;
		assertStillWorks(peer);
	}

	@Test
	void theDeparturOfThePeerDiscardsItsMessage() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		List<byte[]> parts = peer.fragments(1, random(300_000, 10), "t");
		assertThat(peer.fragment(parts.get(0))).isNull();
		provider.peerDisconnected(context, peer.endpoint);
		assertThat(events.dropped(DropReason.INCOMPLETE_MESSAGE)).isEqualTo(1);
		assertNoReassemblyHeld();
	}

	@Test
	void theReassemblyBudgetIsSharedByAllPeers() throws Exception {
		provider = NoiseCryptoProvider.builder().maxMessageSize(LIMIT).maxReassemblies(1).build();
		JavaPeer a = new JavaPeer("a").handshake(true);
		JavaPeer b = new JavaPeer("b").handshake(true);
		List<byte[]> fromA = a.fragments(1, random(200_000, 11), "a");
		byte[] payloadB = random(200_000, 12);
		List<byte[]> fromB = b.fragments(1, payloadB, "b");
		assertThat(a.fragment(fromA.get(0))).isNull();
		for (byte[] part : fromB) {
			assertThat(b.fragment(part)).isNull();
		}
		assertThat(events.dropped(DropReason.REASSEMBLY_OVERFLOW)).isEqualTo(1);
		IncomingMessage delivered = null;
		for (byte[] part : fromA.subList(1, fromA.size())) {
			delivered = a.fragment(part);
		}
		assertThat(delivered).isNotNull();
		assertNoReassemblyHeld();
		assertStillWorks(b);
	}

	@Test
	void towardAPeerWithoutFragmentsTheOneFrameLimitAndItsErrorStay() throws Exception {
		JavaPeer peer = new JavaPeer("bw").handshake(false);
		backend.drainOutgoing();
		assertThatThrownBy(() -> provider.send(context, new OutgoingMessage(new byte[FRAME + 1], peer.endpoint, "t")))
			.isInstanceOf(IpcException.class)
			.hasMessage("Message payload is 65520 bytes; the Noise transport limit is 65519 bytes per message "
					+ "(there is no fragmentation)");
		assertThat(backend.outgoing()).isEmpty();
		provider.send(context, new OutgoingMessage(new byte[FRAME], peer.endpoint, "t"));
		assertThat(backend.drainOutgoing()).hasSize(1);
	}

	@Test
	void aSendOverTheOwnLimitIsRefusedBeforeAnything() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		backend.drainOutgoing();
		assertThatThrownBy(() -> provider.send(context, new OutgoingMessage(new byte[LIMIT + 1], peer.endpoint, "t")))
			.isInstanceOf(IpcException.class)
			.hasMessageContaining("over the largest message size of " + LIMIT);
		assertThatThrownBy(() -> provider.send(context,
				new OutgoingMessage(new byte[LIMIT + 1], Endpoint.named("nobody-yet"), "t")))
			.isInstanceOf(IpcException.class);
		assertThat(backend.outgoing()).isEmpty();
	}

	@Test
	void aLargeSendGoesOutAsFragmentsInOrderUnderTheFragmentTopic() throws Exception {
		JavaPeer peer = new JavaPeer("a").handshake(true);
		backend.drainOutgoing();
		byte[] payload = random(200_000, 13);
		provider.send(context, new OutgoingMessage(payload, peer.endpoint, "secret.topic"));
		List<OutgoingMessage> frames = backend.drainOutgoing();
		assertThat(frames).hasSize(4).allSatisfy(frame -> {
			assertThat(frame.topic()).isEqualTo(FragmentHeader.TOPIC);
			assertThat(frame.payload().length).isLessThanOrEqualTo(NoiseFrameCodec.MAX_FRAME_LENGTH);
		});
		// the scripted peer (a receiving provider's logic) reassembles it
		NoiseCryptoProvider receiver = NoiseCryptoProvider.builder().build();
		byte[] assembled = new byte[payload.length];
		int offset = 0;
		int expectedIndex = 0;
		NoiseTransportState receiving = peer.state;
		for (OutgoingMessage frame : frames) {
			NoiseFrame.TransportFrame transport = (NoiseFrame.TransportFrame) NoiseFrameCodec.decode(frame.payload());
			byte[] plaintext = receiving.decrypt(transport.nonce(), transport.payload());
			FragmentHeader header = FragmentHeader.parse(plaintext);
			assertThat(header).isNotNull();
			assertThat(header.index()).isEqualTo(expectedIndex++);
			if (header.index() == 0) {
				assertThat(header.topic()).isEqualTo("secret.topic");
				assertThat(header.total()).isEqualTo(payload.length);
			}
			int data = plaintext.length - header.dataOffset();
			System.arraycopy(plaintext, header.dataOffset(), assembled, offset, data);
			offset += data;
		}
		assertThat(offset).isEqualTo(payload.length);
		assertThat(assembled).isEqualTo(payload);
		assertThat(receiver.maxMessageSize()).isEqualTo(NoiseCryptoProvider.DEFAULT_MAX_MESSAGE_SIZE);
	}

}
