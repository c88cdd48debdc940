package dev.ipc.transport.socket;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.IpcBackpressureException;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcUnreachableException;

/**
 * The host's router. Addressed messages: a peer's {@code Message} (CBOR or compact) or
 * the host's own client's send becomes a {@code Deliver} in the target connection's
 * version, with the sender's registered source. Publications
 * ({@code docs/transport-protocol.md} §13): a peer's compact {@code Publish} is relayed
 * as a compact {@code Published} to the recipient it names, with the publisher's id as
 * its source, only if that recipient negotiated version 3 and subscribes to the topic
 * right now (else it is dropped and counted as undeliverable: it unsubscribed or left
 * while the copy was on its way, or the publisher aimed at an endpoint that never asked);
 * the host's own client sends its copies the same way. The payload is always the sender's
 * ciphertext; the host never sees plaintext.
 *
 * <p>
 * Runs on the loop (peer frames) or the sender's thread (the host's own sends) and never
 * blocks: a delivery only queues on the target connection. What a peer sent is dropped
 * and counted when its target is not connected, it is too large for the target, or the
 * target's queue is full ({@code overflowDrops}, {@link DropReason#TRANSPORT_OVERFLOW}),
 * without affecting other targets; the host's own send fails instead, as
 * {@link dev.ipc.spi.CommunicationBackend#send} promises.
 */
final class HostRouter {

	private static final Logger log = LoggerFactory.getLogger(HostRouter.class);

	private final TransportContext transport;

	/** Who is connected, and who subscribes to what. */
	private final HostRegistry registry;

	private final Endpoint self;

	private final Source selfSource;

	private final byte[] selfSourceBytes;

	HostRouter(TransportContext transport, HostRegistry registry, Endpoint self, Source selfSource,
			byte[] selfSourceBytes) {
		this.transport = transport;
		this.registry = registry;
		this.self = self;
		this.selfSource = selfSource;
		this.selfSourceBytes = selfSourceBytes;
	}

	// ------------------------------------------------------------------ from peers

	/** A peer's CBOR {@code Message}. */
	void route(HostServer.Registration from, Endpoint destination, @Nullable String topic, byte[] payload) {
		if (destination.equals(self)) {
			transport.publish(new IncomingMessage(payload, destination, from.source(), topic));
			return;
		}
		Connection target = registry.connectionOf(destination);
		if (target == null) {
			transport.counters().undeliverable.incrementAndGet();
			log.debug("Dropping a message from {} to {}: not connected", LogSafe.of(from.endpoint()),
					LogSafe.of(destination));
			return;
		}
		deliverTo(from, target, destination, topic, payload);
	}

	/** A peer's compact {@code Message}. */
	void routeCompact(HostServer.Registration from, CompactFrames.Data data) {
		if (data.id() == HostServer.HOST_ID) {
			transport.publish(new IncomingMessage(data.payload(), self, from.source(), data.topic()));
			return;
		}
		Connection target = registry.connectionOf(data.id());
		HostServer.Registration to = (target != null) ? HostServer.registrationOf(target) : null;
		if (target == null || to == null) {
			transport.counters().undeliverable.incrementAndGet();
			log.debug("Dropping a message from {} to id {}: not connected", LogSafe.of(from.endpoint()), data.id());
			return;
		}
		if (to.compact()) {
			// re-framed straight from the received frame: one copy of the payload
			offerRelayed(from, target, to.endpoint(), CompactFrames.relay(CompactFrames.DELIVER, from.id(), data));
			return;
		}
		deliverTo(from, target, to.endpoint(), data.topic(), data.payload());
	}

	/** A peer's compact {@code Publish}. */
	void relayPublished(HostServer.Registration from, CompactFrames.Data data) {
		String topic = data.topic();
		if (topic == null) {
			transport.counters().malformedFrames.incrementAndGet();
			transport.dropped(DropReason.MALFORMED_FRAME, from.endpoint());
			return;
		}
		if (data.id() == HostServer.HOST_ID) {
			if (registry.subscriptions().accepts(self, topic)) {
				transport
					.publish(new IncomingMessage(data.payload(), self, from.source(), topic, DeliveryKind.PUBLISHED));
			}
			else {
				transport.counters().undeliverable.incrementAndGet();
			}
			return;
		}
		Connection target = registry.connectionOf(data.id());
		Endpoint to = (target != null) ? HostServer.pubsubEndpointOf(target) : null;
		if (target == null || to == null || !registry.subscriptions().accepts(to, topic)) {
			transport.counters().undeliverable.incrementAndGet();
			log.debug("Dropping a publication on {} from {} to id {}: not subscribed (any more)", LogSafe.of(topic),
					LogSafe.of(from.endpoint()), data.id());
			return;
		}
		// re-framed straight from the received frame: one copy of the payload
		offerRelayed(from, target, to, CompactFrames.relay(CompactFrames.PUBLISHED, from.id(), data));
	}

	/** Relays a message as a {@code Deliver} in the target connection's version. */
	private void deliverTo(HostServer.Registration from, Connection target, Endpoint destination,
			@Nullable String topic, byte[] payload) {
		byte[] frame = deliverFrame(from.id(), from.sourceBytes(), target, destination, topic, payload);
		offerRelayed(from, target, destination, frame);
	}

	/**
	 * Queues what a peer sent on its target; drops and counts it if it is too large for
	 * the target or the target's queue is full.
	 */
	private void offerRelayed(HostServer.Registration from, Connection target, Endpoint destination, byte[] frame) {
		if (FrameCodec.bodyLength(frame) > transport.options().maxFrameBytes()) {
			transport.counters().oversizedFrames.incrementAndGet();
			transport.dropped(DropReason.OVERSIZED_FRAME, from.endpoint());
			log.debug("Dropping a message from {} to {}: too large to deliver", LogSafe.of(from.endpoint()),
					LogSafe.of(destination));
			return;
		}
		Connection.Offer offer = target.offer(frame, false);
		if (offer == Connection.Offer.FULL) {
			transport.counters().overflowDrops.incrementAndGet();
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, destination);
			log.debug("Dropping a message from {} to {}: its outbound queue is full", LogSafe.of(from.endpoint()),
					LogSafe.of(destination));
		}
		else if (offer == Connection.Offer.CLOSED) {
			transport.counters().undeliverable.incrementAndGet();
		}
	}

	/**
	 * A {@code Deliver} for {@code target}: compact if it negotiated version 2 or later,
	 * else CBOR.
	 */
	private static byte[] deliverFrame(int sourceId, byte[] sourceBytes, Connection target, Endpoint destination,
			@Nullable String topic, byte[] payload) {
		HostServer.Registration to = HostServer.registrationOf(target);
		if (to != null && to.compact()) {
			return CompactFrames.encode(CompactFrames.DELIVER, sourceId, topic, payload);
		}
		return FrameCodec.deliver(sourceBytes, FrameCodec.endpointBytes(destination), topic, payload);
	}

	// ------------------------------------------------------------------ the host's own
	// client

	/**
	 * The host's own client sends.
	 * @throws IpcUnreachableException if the destination is not connected (or is
	 * disconnecting)
	 * @throws IpcBackpressureException if its outbound queue is full
	 */
	void sendOwn(OutgoingMessage message) {
		requireOpen();
		Endpoint destination = message.destination();
		if (destination.equals(self)) {
			transport.publish(new IncomingMessage(message.payload(), destination, selfSource, message.topic()));
			return;
		}
		Connection target = requireConnected(destination);
		offerOwn(target, destination, deliverFrame(HostServer.HOST_ID, selfSourceBytes, target, destination,
				message.topic(), message.payload()));
	}

	/**
	 * One copy of a publication from the host's own client; a recipient that does not
	 * subscribe (any more) gets none (counted as undeliverable).
	 * @throws IpcUnreachableException if the recipient is not connected
	 * @throws IpcBackpressureException if its outbound queue is full
	 */
	void sendOwnPublished(OutgoingMessage message) {
		requireOpen();
		String topic = message.topic();
		Endpoint destination = message.destination();
		if (topic == null) {
			throw new IllegalArgumentException("A publication needs a topic");
		}
		if (destination.equals(self)) {
			if (registry.subscriptions().accepts(destination, topic)) {
				transport.publish(
						new IncomingMessage(message.payload(), destination, selfSource, topic, DeliveryKind.PUBLISHED));
			}
			return;
		}
		Connection target = requireConnected(destination);
		if (HostServer.pubsubEndpointOf(target) == null || !registry.subscriptions().accepts(destination, topic)) {
			transport.counters().undeliverable.incrementAndGet();
			return;
		}
		offerOwn(target, destination,
				CompactFrames.encode(CompactFrames.PUBLISHED, HostServer.HOST_ID, topic, message.payload()));
	}

	private void requireOpen() {
		if (registry.isClosed()) {
			throw new IpcClosedException("Socket transport is closed");
		}
	}

	private Connection requireConnected(Endpoint destination) {
		Connection target = registry.connectionOf(destination);
		if (target == null) {
			throw new IpcUnreachableException(destination);
		}
		return target;
	}

	/** Queues what the host's own client sends on its target, or fails. */
	private void offerOwn(Connection target, Endpoint destination, byte[] frame) {
		transport.checkSize(frame);
		Connection.Offer offer = target.offer(frame, false);
		if (offer == Connection.Offer.FULL) {
			transport.counters().overflowDrops.incrementAndGet();
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, destination);
			throw new IpcBackpressureException("The outbound queue to " + destination + " is full");
		}
		if (offer == Connection.Offer.CLOSED) {
			throw new IpcUnreachableException(destination, "disconnecting");
		}
	}

}
