package dev.ipc.transport.socket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.DeliveryKind;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.IpcBackpressureException;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcUnreachableException;

/**
 * How the host moves copies of publications ({@code docs/transport-protocol.md} §13): a
 * peer's compact {@code Publish} is relayed as a compact {@code Published} to the
 * recipient it names, with the publisher's id as its source, only if that recipient
 * negotiated version 3 and subscribes to the topic right now (else it is dropped and
 * counted as undeliverable: it unsubscribed or left while the copy was on its way, or the
 * publisher aimed at an endpoint that never asked). The host's own client sends its
 * copies through here too. The payload is the publisher's ciphertext for that recipient;
 * the host never sees plaintext. Nothing here blocks: a copy only queues on the
 * recipient's connection, and a full queue drops that copy (counted in
 * {@code overflowDrops}, reported as {@link DropReason#TRANSPORT_OVERFLOW}) without
 * affecting the other recipients.
 */
final class HostPublications {

	private static final Logger log = LoggerFactory.getLogger(HostPublications.class);

	private HostPublications() {
	}

	/** A peer's {@code Publish}, on the loop. */
	static void relay(HostServer host, HostServer.Registration from, CompactFrames.Data data) {
		SocketTransport transport = host.transport();
		String topic = data.topic();
		if (topic == null) {
			transport.counters().malformedFrames.incrementAndGet();
			transport.dropped(DropReason.MALFORMED_FRAME, from.endpoint());
			return;
		}
		if (data.id() == HostServer.HOST_ID) {
			if (host.subscriptions().accepts(host.self(), topic)) {
				transport.publish(
						new IncomingMessage(data.payload(), host.self(), from.source(), topic, DeliveryKind.PUBLISHED));
			}
			else {
				transport.counters().undeliverable.incrementAndGet();
			}
			return;
		}
		Connection target = host.connectionOf(data.id());
		Endpoint to = (target != null) ? HostServer.pubsubEndpointOf(target) : null;
		if (target == null || to == null || !host.subscriptions().accepts(to, topic)) {
			transport.counters().undeliverable.incrementAndGet();
			log.debug("Dropping a publication on {} from {} to id {}: not subscribed (any more)", LogSafe.of(topic),
					LogSafe.of(from.endpoint()), data.id());
			return;
		}
		byte[] frame = CompactFrames.encode(CompactFrames.PUBLISHED, from.id(), topic, data.payload());
		if (FrameCodec.bodyLength(frame) > transport.options().maxFrameBytes()) {
			transport.counters().oversizedFrames.incrementAndGet();
			transport.dropped(DropReason.OVERSIZED_FRAME, from.endpoint());
			return;
		}
		Connection.Offer offer = target.offer(frame, false);
		if (offer == Connection.Offer.FULL) {
			transport.counters().overflowDrops.incrementAndGet();
			transport.dropped(DropReason.TRANSPORT_OVERFLOW, to);
		}
		else if (offer == Connection.Offer.CLOSED) {
			transport.counters().undeliverable.incrementAndGet();
		}
	}

	/**
	 * One copy from the host's own client.
	 * @throws IpcUnreachableException if the recipient is not connected
	 * @throws IpcBackpressureException if its outbound queue is full
	 */
	static void sendOwn(HostServer host, OutgoingMessage message) {
		if (host.isClosed()) {
			throw new IpcClosedException("Socket transport is closed");
		}
		SocketTransport transport = host.transport();
		String topic = message.topic();
		Endpoint destination = message.destination();
		if (topic == null) {
			throw new IllegalArgumentException("A publication needs a topic");
		}
		if (destination.equals(host.self())) {
			if (host.subscriptions().accepts(destination, topic)) {
				transport.publish(new IncomingMessage(message.payload(), destination, host.selfSource(), topic,
						DeliveryKind.PUBLISHED));
			}
			return;
		}
		Connection target = host.connectionOf(destination);
		if (target == null) {
			throw new IpcUnreachableException(destination);
		}
		if (HostServer.pubsubEndpointOf(target) == null || !host.subscriptions().accepts(destination, topic)) {
			transport.counters().undeliverable.incrementAndGet();
			return;
		}
		byte[] frame = CompactFrames.encode(CompactFrames.PUBLISHED, HostServer.HOST_ID, topic, message.payload());
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
