package dev.ipc.crypto.noise;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.CryptoContext;

/**
 * Large messages in one {@link NoiseCryptoProvider}: the features it advertises in the
 * handshake, the limits, and the receive side, which puts fragments back together into
 * one application message.
 *
 * <p>
 * Receiving is strict, because a correct sender sends the fragments of one message in
 * order under its lock, with nothing in between: per peer at most one message is in
 * reassembly; a fragment that is not the next expected one (duplicate, missing one,
 * another message's), a first fragment that interrupts a message, or an ordinary frame in
 * the middle of one ends that message (dropped, {@link DropReason#INCOMPLETE_MESSAGE} or
 * {@link DropReason#MALFORMED_FRAGMENT}) and the rest of its fragments are swallowed. A
 * message declaring more than {@link FragmentLimits#maxMessageSize()} is dropped
 * ({@link DropReason#OVERSIZED_MESSAGE}) before anything is allocated, one that does not
 * fit the provider-wide budget ({@link FragmentLimits#maxReassemblyBytes()},
 * {@link FragmentLimits#maxReassemblies()}) is dropped
 * ({@link DropReason#REASSEMBLY_OVERFLOW}). Each dropped message is counted once.
 * Reassembly state never outlives the peer's session (a new session, its removal or the
 * peer's departure discards it) nor its timeout, which is enforced at the next frame from
 * any peer (and when the budget is short). Thread-safe: per-peer state is guarded by the
 * peer's lock, the budget is atomic.
 */
final class Fragmentation {

	private static final Logger log = LoggerFactory.getLogger(NoiseCryptoProvider.class);

	/** Sweeps for timed-out reassemblies at most this often. */
	private static final long SWEEP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

	final FragmentLimits limits;

	final Features local;

	private final long timeoutNanos;

	private final Set<Reassembly> active = ConcurrentHashMap.newKeySet();

	private long reservedBytes;

	private int reservedCount;

	private volatile long nextSweepNanos = System.nanoTime();

	Fragmentation(FragmentLimits limits) {
		this.limits = limits;
		this.local = Features.local(limits.maxMessageSize());
		this.timeoutNanos = limits.reassemblyTimeout().toNanos();
	}

	/** The {@code HandshakeStart} extension this side adds, or {@code null}. */
	byte @Nullable [] startExtension() {
		return local.isEmpty() ? null : local.encode();
	}

	/**
	 * The payload of handshake message 2 answering a start with {@code extension}: our
	 * features if the initiator advertised fragmentation (a Java peer), else empty, as
	 * the reference.
	 */
	byte[] finishPayload(byte @Nullable [] extension) {
		return local.isEmpty() || Features.decode(extension).isEmpty() ? new byte[0] : local.encode();
	}

	/**
	 * The peer's limit agreed with its {@code features} (from a Java initiator's start,
	 * or a Java responder's message 2; {@code null} or empty: none).
	 */
	int limitFrom(byte @Nullable [] features) {
		return Features.fragmentLimit(local, Features.decode(features));
	}

	/**
	 * An application plaintext decrypted from {@code frame} under the peer's lock: the
	 * message to deliver (an ordinary one, or a completed fragmented one), or
	 * {@code null} while fragments are still coming or when one was dropped.
	 */
	@Nullable IncomingMessage onPlaintext(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, IncomingMessage frame,
			byte[] plaintext) {
		Reassembly current = p.reassembly;
		if (!FragmentHeader.TOPIC.equals(frame.topic())) {
			if (current != null) {
				end(p, current, current.isSkipping() ? null : DropReason.INCOMPLETE_MESSAGE,
						"an ordinary message came before its last fragment");
			}
			return frame.withPayload(plaintext);
		}
		FragmentHeader header = FragmentHeader.parse(plaintext);
		if (header == null) {
			if (current != null) {
				end(p, current, null, "");
			}
			report(context.events(), DropReason.MALFORMED_FRAGMENT, peer, "fragment header is malformed");
			return null;
		}
		if (header.index() == 0) {
			return first(context, p, peer, current, header, plaintext);
		}
		if (current == null || current.messageId != header.messageId()) {
			if (current != null) {
				end(p, current, current.isSkipping() ? null : DropReason.INCOMPLETE_MESSAGE,
						"another message's fragment came before its last one");
			}
			report(context.events(), DropReason.MALFORMED_FRAGMENT, peer, "fragment of a message not begun");
			p.reassembly = Reassembly.skipping(header.messageId(), System.nanoTime() + timeoutNanos, context.events(),
					peer, p, this);
			return null;
		}
		if (current.isSkipping()) {
			return null; // the rest of a message already dropped and counted
		}
		int data = plaintext.length - header.dataOffset();
		if (header.index() != current.nextIndex || data > current.total() - current.received || data == 0) {
			String what = header.index() < current.nextIndex ? "duplicate fragment"
					: header.index() > current.nextIndex ? "fragment missing" : "fragment longer than declared";
			end(p, current, null, what);
			report(context.events(), DropReason.MALFORMED_FRAGMENT, peer, what);
			p.reassembly = Reassembly.skipping(header.messageId(), System.nanoTime() + timeoutNanos, context.events(),
					peer, p, this);
			return null;
		}
		byte[] buffer = current.buffer;
		System.arraycopy(plaintext, header.dataOffset(), buffer, current.received, data);
		current.received += data;
		current.nextIndex++;
		if (current.received < buffer.length) {
			return null;
		}
		end(p, current, null, "");
		return new IncomingMessage(buffer, frame.destination(), frame.source(), current.topic);
	}

	private @Nullable IncomingMessage first(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer,
			@Nullable Reassembly current, FragmentHeader header, byte[] plaintext) {
		IpcEventListener events = context.events();
		if (current != null) {
			end(p, current, current.isSkipping() ? null : DropReason.INCOMPLETE_MESSAGE,
					"a new message began before the last fragment");
		}
		long deadline = System.nanoTime() + timeoutNanos;
		int total = header.total();
		int data = plaintext.length - header.dataOffset();
		if (total <= NoiseTransportState.MAX_PLAINTEXT_LENGTH || data > total || data == 0) {
			report(events, DropReason.MALFORMED_FRAGMENT, peer, "first fragment inconsistent with its length");
			p.reassembly = Reassembly.skipping(header.messageId(), deadline, events, peer, p, this);
			return null;
		}
		if (total > limits.maxMessageSize()) {
			report(events, DropReason.OVERSIZED_MESSAGE, peer,
					"message of " + total + " bytes, over the limit of " + limits.maxMessageSize());
			p.reassembly = Reassembly.skipping(header.messageId(), deadline, events, peer, p, this);
			return null;
		}
		if (!reserve(total)) {
			sweep(true);
			if (!reserve(total)) {
				report(events, DropReason.REASSEMBLY_OVERFLOW, peer,
						"message of " + total + " bytes does not fit the reassembly budget");
				p.reassembly = Reassembly.skipping(header.messageId(), deadline, events, peer, p, this);
				return null;
			}
		}
		Reassembly started = Reassembly.collecting(header.messageId(), header.topic(), total, deadline, events, peer, p,
				this);
		System.arraycopy(plaintext, header.dataOffset(), started.buffer, 0, data);
		started.received = data;
		p.reassembly = started;
		active.add(started);
		return null;
	}

	/**
	 * Discards the peer's reassembly (its session changed or went away, the peer left);
	 * an unfinished message is counted {@link DropReason#INCOMPLETE_MESSAGE}. Locked.
	 */
	static void discard(PeerState p, String why) {
		Reassembly current = p.reassembly;
		if (current != null) {
			current.home.end(p, current, current.isSkipping() ? null : DropReason.INCOMPLETE_MESSAGE, why);
		}
	}

	/**
	 * Ends {@code r} (gives its budget back, forgets it) and reports {@code reason} when
	 * not null. Under the owner's lock.
	 */
	private void end(PeerState p, Reassembly r, @Nullable DropReason reason, String why) {
		if (p.reassembly == r) {
			p.reassembly = null;
		}
		if (!r.released) {
			r.released = true;
			if (!r.isSkipping()) {
				active.remove(r);
				release(r.total());
			}
		}
		if (reason != null) {
			report(r.events, reason, r.peer, why);
		}
	}

	/**
	 * Drops reassemblies past their timeout ({@link DropReason#INCOMPLETE_MESSAGE}).
	 * Never waits: a peer whose lock is busy is looked at next time. Call without holding
	 * a peer's lock (or with {@code force} from under one: other peers' locks are only
	 * tried).
	 */
	void sweep(boolean force) {
		long now = System.nanoTime();
		if (!force && now - nextSweepNanos < 0) {
			return;
		}
		nextSweepNanos = now + SWEEP_INTERVAL_NANOS;
		for (Reassembly r : active) {
			if (now - r.deadlineNanos < 0) {
				continue;
			}
			PeerState owner = r.owner;
			if (!owner.lock.tryLock()) {
				continue;
			}
			try {
				if (!r.released) {
					end(owner, r, DropReason.INCOMPLETE_MESSAGE, "reassembly timed out");
				}
			}
			finally {
				owner.lock.unlock();
			}
		}
	}

	private synchronized boolean reserve(int bytes) {
		if (reservedCount >= limits.maxReassemblies() || reservedBytes + bytes > limits.maxReassemblyBytes()) {
			return false;
		}
		reservedCount++;
		reservedBytes += bytes;
		return true;
	}

	private synchronized void release(int bytes) {
		reservedCount--;
		reservedBytes -= bytes;
	}

	/** Bytes held by messages in reassembly, for tests. */
	synchronized long reservedBytes() {
		return reservedBytes;
	}

	/** Messages in reassembly, for tests. */
	synchronized int reassemblies() {
		return reservedCount;
	}

	private static void report(IpcEventListener events, DropReason reason, Endpoint peer, String why) {
		log.debug("Noise: dropping a large message from {} ({}): {}", LogSafe.of(peer), reason, why);
		try {
			events.messageDropped(reason, peer);
		}
		catch (RuntimeException ex) {
			log.debug("Noise: event listener failed", ex);
		}
	}

}
