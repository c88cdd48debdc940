package dev.ipc.transport.socket;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.IpcBackpressureException;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcUnreachableException;

/**
 * The host's router for addressed messages: a peer's {@code Message} (CBOR or compact) or
 * the host's own client's send becomes a {@code Deliver} in the target connection's
 * version, with the sender's registered source. Runs on the loop (peer frames) or the
 * sender's thread (the host's own sends) and never blocks: a delivery only queues on the
 * target connection. A message for an endpoint that is not connected, too large for the
 * target, or for a target whose queue is full is dropped and counted (the host's own send
 * fails instead, as {@link dev.ipc.spi.CommunicationBackend#send} promises). Publications
 * take their own path ({@link HostPublications}).
 */
final class HostRouter {

	private static final Logger log = LoggerFactory.getLogger(HostRouter.class);

	private final HostServer host;

	private final SocketTransport transport;

	private final Endpoint self;

	HostRouter(HostServer host) {
		this.host = host;
		this.transport = host.transport();
		this.self = host.self();
	}

	/** A peer's CBOR {@code Message}. */
	void route(HostServer.Registration from, Endpoint destination, @Nullable String topic, byte[] payload) {
		if (destination.equals(self)) {
			transport.publish(new IncomingMessage(payload, destination, from.source(), topic));
			return;
		}
		Connection target = host.connectionOf(destination);
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
		Connection target = host.connectionOf(data.id());
		HostServer.Registration to = (target != null) ? HostServer.registrationOf(target) : null;
		if (target == null || to == null) {
			transport.counters().undeliverable.incrementAndGet();
			log.debug("Dropping a message from {} to id {}: not connected", LogSafe.of(from.endpoint()), data.id());
			return;
		}
		if (to.compact()) {
			// re-framed straight from the received frame: one copy of the payload
			offer(from, target, to.endpoint(), CompactFrames.relay(CompactFrames.DELIVER, from.id(), data));
			return;
		}
		deliverTo(from, target, to.endpoint(), data.topic(), data.payload());
	}

	/** Relays a message as a {@code Deliver} in the target connection's version. */
	private void deliverTo(HostServer.Registration from, Connection target, Endpoint destination,
			@Nullable String topic, byte[] payload) {
		offer(from, target, destination,
				deliverFrame(from.id(), from.sourceBytes(), target, destination, topic, payload));
	}

	/** Queues a relayed frame for {@code target}, counting what cannot be. */
	private void offer(HostServer.Registration from, Connection target, Endpoint destination, byte[] frame) {
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

	/**
	 * The host's own client sends.
	 * @throws IpcUnreachableException if the destination is not connected (or is
	 * disconnecting)
	 * @throws IpcBackpressureException if its outbound queue is full
	 */
	void sendOwn(OutgoingMessage message) {
		if (host.isClosed()) {
			throw new IpcClosedException("Socket transport is closed");
		}
		Endpoint destination = message.destination();
		if (destination.equals(self)) {
			transport.publish(new IncomingMessage(message.payload(), destination, host.selfSource(), message.topic()));
			return;
		}
		Connection target = host.connectionOf(destination);
		if (target == null) {
			throw new IpcUnreachableException(destination);
		}
		byte[] frame = deliverFrame(HostServer.HOST_ID, host.selfSourceBytes(), target, destination, message.topic(),
				message.payload());
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
