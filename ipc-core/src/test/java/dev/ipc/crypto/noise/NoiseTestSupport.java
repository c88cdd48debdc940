package dev.ipc.crypto.noise;

import dev.ipc.client.IpcClient;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.session.InMemorySessionRepository;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.InboundSink;
import dev.ipc.spi.ReceiveMarker;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Shared helpers for the Noise provider tests. */
final class NoiseTestSupport {

	private NoiseTestSupport() {
	}

	static byte[] utf8(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

	static byte[] hex(String hex) {
		return HexFormat.of().parseHex(hex.replace(" ", ""));
	}

	/** The CBOR text-string encoding of {@code s} (short strings only). */
	static byte[] cborText(String s) {
		byte[] utf8 = utf8(s);
		byte[] out;
		if (utf8.length < 24) {
			out = new byte[1 + utf8.length];
			out[0] = (byte) (0x60 | utf8.length);
			System.arraycopy(utf8, 0, out, 1, utf8.length);
		}
		else {
			out = new byte[2 + utf8.length];
			out[0] = 0x78;
			out[1] = (byte) utf8.length;
			System.arraycopy(utf8, 0, out, 2, utf8.length);
		}
		return out;
	}

	static byte[] concat(byte[]... parts) {
		int length = 0;
		for (byte[] part : parts) {
			length += part.length;
		}
		byte[] out = new byte[length];
		int offset = 0;
		for (byte[] part : parts) {
			System.arraycopy(part, 0, out, offset, part.length);
			offset += part.length;
		}
		return out;
	}

	/**
	 * The inbound path a client would run for a provider used directly: every message
	 * arriving at {@code backend} goes through {@link NoiseCryptoProvider#process} (which
	 * reads handshake answers and wakes waiting senders); application messages are
	 * dropped. Close the returned receiver when done.
	 */
	static BackendReceiver inboundPath(CommunicationBackend backend, NoiseCryptoProvider provider,
			CryptoContext<NoiseSession> context) {
		BackendReceiver receiver = backend.subscribe();
		receiver.deliverTo(new InboundSink() {
			@Override
			public void message(IncomingMessage message) {
				provider.process(context, message);
			}

			@Override
			public void marker(ReceiveMarker marker) {
			}

			@Override
			public void lagged(long lost) {
			}
		});
		return receiver;
	}

	/** A clock the test moves by hand. */
	static final class MutableClock extends Clock {

		private final AtomicLong millis;

		MutableClock(long epochSeconds) {
			this.millis = new AtomicLong(epochSeconds * 1000);
		}

		void advanceSeconds(long seconds) {
			millis.addAndGet(seconds * 1000);
		}

		void advanceMillis(long delta) {
			millis.addAndGet(delta);
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public long millis() {
			return millis.get();
		}

		@Override
		public Instant instant() {
			return Instant.ofEpochMilli(millis.get());
		}

	}

	/** Records the crypto events a provider reports. */
	static final class RecordingEvents implements IpcEventListener {

		final List<String> log = new CopyOnWriteArrayList<>();

		final AtomicInteger initiatorStarted = new AtomicInteger();

		final AtomicInteger initiatorCompleted = new AtomicInteger();

		final AtomicInteger responderCompleted = new AtomicInteger();

		final AtomicInteger handshakeFailed = new AtomicInteger();

		final AtomicInteger invalidated = new AtomicInteger();

		final Map<DropReason, AtomicInteger> drops = new ConcurrentHashMap<>();

		final List<String> failureReasons = new CopyOnWriteArrayList<>();

		@Override
		public void handshakeStarted(Endpoint peer, String suite, boolean initiator) {
			log.add("started " + peer + " " + suite + " " + (initiator ? "initiator" : "responder"));
			if (initiator) {
				initiatorStarted.incrementAndGet();
			}
		}

		@Override
		public void handshakeCompleted(Endpoint peer, String suite, boolean initiator, long durationNanos) {
			log.add("completed " + peer + " " + (initiator ? "initiator" : "responder"));
			(initiator ? initiatorCompleted : responderCompleted).incrementAndGet();
		}

		@Override
		public void handshakeFailed(Endpoint peer, String reason) {
			log.add("failed " + peer + " " + reason);
			failureReasons.add(reason);
			handshakeFailed.incrementAndGet();
		}

		@Override
		public void sessionInvalidated(Endpoint peer, String reason) {
			log.add("invalidated " + peer + " " + reason);
			invalidated.incrementAndGet();
		}

		@Override
		public void messageDropped(DropReason reason, Endpoint peer) {
			log.add("dropped " + reason + " " + peer);
			drops.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
		}

		int dropped(DropReason reason) {
			AtomicInteger count = drops.get(reason);
			return count == null ? 0 : count.get();
		}

	}

	/**
	 * One Noise client on a transport with its own provider, repository and event record.
	 */
	static final class Node implements AutoCloseable {

		final Endpoint endpoint;

		final CommunicationBackend backend;

		final NoiseCryptoProvider provider;

		final InMemorySessionRepository<NoiseSession> sessions = new InMemorySessionRepository<>();

		final RecordingEvents events = new RecordingEvents();

		final IpcClient client;

		Node(Endpoint endpoint, CommunicationBackend backend, NoiseCryptoProvider provider) {
			this.endpoint = endpoint;
			this.backend = backend;
			this.provider = provider;
			this.client = IpcClient.builder()
				.name("noise-" + endpoint)
				.backend(backend)
				.crypto(provider, sessions)
				.listener(events)
				.subscriberQueueCapacity(4096)
				.build();
		}

		Node start() {
			client.start();
			return this;
		}

		NoiseSession session(Endpoint peer) {
			return sessions.get(peer).orElseThrow(() -> new AssertionError(endpoint + " has no session for " + peer));
		}

		@Override
		public void close() {
			client.close();
			backend.close();
		}

	}

	/**
	 * Plays a Noise peer by hand (built from the handshake and transport building blocks,
	 * not the provider), for tests that drive one provider against a
	 * {@link dev.ipc.testing.TestCommunicationBackend}.
	 */
	static final class ScriptedPeer {

		final Source source;

		final Endpoint endpoint;

		private NoiseHandshake initiator;

		NoiseTransportState state;

		byte[] handshakeHash;

		ScriptedPeer(Source source) {
			this.source = source;
			this.endpoint = source.toEndpoint();
		}

		/** Message 1 as a HandshakeStart frame. */
		byte[] start(NoiseSuite suite) throws NoiseProtocolException {
			initiator = NoiseHandshake.initiator(suite);
			return NoiseFrameCodec.encode(new NoiseFrame.HandshakeStart(suite, initiator.writeMessage()));
		}

		/** Reads the provider's HandshakeFinish frame; derives the initiator state. */
		void finish(byte[] frame, NoiseSuite suite) throws Exception {
			NoiseFrame.HandshakeFinish finish = (NoiseFrame.HandshakeFinish) NoiseFrameCodec.decode(frame);
			initiator.readMessage(finish.noiseFrame());
			handshakeHash = initiator.handshakeHash();
			try (NoiseSplit split = initiator.split()) {
				state = NoiseTransportState.fromSplit(split, true, suite.transportCipher(), 0);
			}
		}

		/**
		 * Answers the provider's HandshakeStart frame; returns the HandshakeFinish frame.
		 */
		byte[] respond(byte[] frame) throws Exception {
			NoiseFrame.HandshakeStart start = (NoiseFrame.HandshakeStart) NoiseFrameCodec.decode(frame);
			NoiseHandshake responder = NoiseHandshake.responder(start.ciphersuite());
			responder.readMessage(start.noiseFrame());
			byte[] message2 = responder.writeMessage();
			handshakeHash = responder.handshakeHash();
			try (NoiseSplit split = responder.split()) {
				state = NoiseTransportState.fromSplit(split, false, start.ciphersuite().transportCipher(), 0);
			}
			return NoiseFrameCodec.encode(new NoiseFrame.HandshakeFinish(message2));
		}

		byte[] transport(byte[] plaintext) {
			return NoiseFrameCodec.encode(state.encrypt(plaintext));
		}

		byte[] open(byte[] frame) throws Exception {
			NoiseFrame.TransportFrame transport = (NoiseFrame.TransportFrame) NoiseFrameCodec.decode(frame);
			return state.decrypt(transport.nonce(), transport.payload());
		}

		/** The frame as it arrives at the provider's side, from this peer. */
		IncomingMessage incoming(byte[] frame, Endpoint to, String topic) {
			return new IncomingMessage(frame, to, source, topic);
		}

	}

	static <T> List<T> copy(List<T> list) {
		return new ArrayList<>(list);
	}

}
