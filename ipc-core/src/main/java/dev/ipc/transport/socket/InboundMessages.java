package dev.ipc.transport.socket;

import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.internal.LogLimiter;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.transport.ReceiverFanout;

/**
 * Where every message a socket transport receives ends: its receivers
 * ({@link ReceiverFanout}), or, while none is subscribed (a host's client usually starts
 * after the transport opened), a bounded queue held for the first one. Beyond the bound a
 * message is dropped and counted ({@code noReceiverDrops},
 * {@link DropReason#TRANSPORT_OVERFLOW}). Never blocks; called on the I/O loop or a
 * caller reading its own response, and by the host's own sends to itself.
 */
final class InboundMessages {

	private static final Logger log = LoggerFactory.getLogger(InboundMessages.class);

	/** What a dropped message is reported to. */
	interface Drops {

		void dropped(DropReason reason, Endpoint peer);

	}

	private final ReceiverFanout fanout;

	private final TransportCounters counters;

	private final Drops drops;

	private final LogLimiter warnings;

	private final Endpoint self;

	/** Messages held for the next receiver (guarded by {@link #lock}). */
	private final ArrayDeque<IncomingMessage> held = new ArrayDeque<>();

	private final ReentrantLock lock = new ReentrantLock();

	private long heldBytes;

	/**
	 * Whether messages are being held (no receiver yet, or none any more); cleared once
	 * they are handed over.
	 */
	private volatile boolean holding = true;

	private final int heldCapacity;

	private final long heldMaxBytes;

	InboundMessages(SocketTransportOptions options, TransportCounters counters, Drops drops, LogLimiter warnings) {
		this.fanout = new ReceiverFanout(options.receiverCapacity());
		this.counters = counters;
		this.drops = drops;
		this.warnings = warnings;
		this.self = options.endpoint();
		this.heldCapacity = Math.min(options.outboundQueueCapacity(), options.receiverCapacity());
		this.heldMaxBytes = options.outboundQueueMaxBytes();
	}

	/**
	 * A new receiver; the first one gets what was held, in order, before anything newer.
	 */
	BackendReceiver subscribe() {
		lock.lock();
		try {
			BackendReceiver receiver = fanout.subscribe();
			IncomingMessage message;
			while ((message = held.pollFirst()) != null) {
				fanout.publish(message);
			}
			heldBytes = 0;
			holding = false;
			return receiver;
		}
		finally {
			lock.unlock();
		}
	}

	/** Hands {@code message} to the receivers, or holds it (bounded) until one comes. */
	void publish(IncomingMessage message) {
		if (!holding && fanout.receiverCount() > 0) {
			fanout.publish(message);
			return;
		}
		boolean overflow = false;
		lock.lock();
		try {
			if (!holding && fanout.receiverCount() > 0) {
				fanout.publish(message);
				return;
			}
			holding = true;
			if (held.size() >= heldCapacity || heldBytes + message.payload().length > heldMaxBytes) {
				overflow = true;
			}
			else {
				held.addLast(message);
				heldBytes += message.payload().length;
				counters.heldUntilSubscribed.incrementAndGet();
			}
		}
		finally {
			lock.unlock();
		}
		if (overflow) {
			counters.noReceiverDrops.incrementAndGet();
			Endpoint from = message.source().toEndpoint();
			drops.dropped(DropReason.TRANSPORT_OVERFLOW, from);
			warnings.warn(log, "no-receiver",
					"Dropping a message from {}: no receiver is subscribed to the transport of {} "
							+ "and {} messages are already held for the first one",
					LogSafe.escape(from), self, heldCapacity);
		}
	}

	/** Drops what is held and ends the receivers ({@code IpcClosedException}). */
	void close() {
		lock.lock();
		try {
			held.clear();
			heldBytes = 0;
		}
		finally {
			lock.unlock();
		}
		fanout.close();
	}

}
