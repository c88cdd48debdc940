package dev.ipc.crypto.noise;

import org.jspecify.annotations.Nullable;

import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;

/**
 * One peer's fragmented message being put together: a buffer of the full declared length
 * allocated once at the first fragment (charged to the provider's reassembly budget), the
 * next expected fragment index and the deadline. A <em>skipping</em> reassembly holds no
 * buffer: it marks a message already dropped, so its remaining fragments are swallowed
 * without being counted again. Guarded by the peer's lock; {@link Fragmentation} owns the
 * budget.
 */
final class Reassembly {

	final int messageId;

	final @Nullable String topic;

	final byte @Nullable [] buffer;

	final long deadlineNanos;

	/** Where drops of this message are reported (a sweep has no context of its own). */
	final IpcEventListener events;

	final Endpoint peer;

	final PeerState owner;

	/** The provider's fragmentation, which owns the budget this message is charged to. */
	final Fragmentation home;

	int received;

	int nextIndex = 1;

	/** The budget was given back (completed, dropped); guarded by the owner's lock. */
	boolean released;

	private Reassembly(int messageId, @Nullable String topic, byte @Nullable [] buffer, long deadlineNanos,
			IpcEventListener events, Endpoint peer, PeerState owner, Fragmentation home) {
		this.messageId = messageId;
		this.topic = topic;
		this.buffer = buffer;
		this.deadlineNanos = deadlineNanos;
		this.events = events;
		this.peer = peer;
		this.owner = owner;
		this.home = home;
	}

	static Reassembly collecting(int messageId, @Nullable String topic, int total, long deadlineNanos,
			IpcEventListener events, Endpoint peer, PeerState owner, Fragmentation home) {
		return new Reassembly(messageId, topic, new byte[total], deadlineNanos, events, peer, owner, home);
	}

	static Reassembly skipping(int messageId, long deadlineNanos, IpcEventListener events, Endpoint peer,
			PeerState owner, Fragmentation home) {
		return new Reassembly(messageId, null, null, deadlineNanos, events, peer, owner, home);
	}

	boolean isSkipping() {
		return buffer == null;
	}

	int total() {
		return buffer == null ? 0 : buffer.length;
	}

}
