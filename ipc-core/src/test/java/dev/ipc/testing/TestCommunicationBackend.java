package dev.ipc.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.IpcException;
import dev.ipc.transport.ReceiverFanout;

/**
 * The project's own test fixture, not API (applications test with the ipc-test module): a
 * backend for unit tests (spec §5.4): records every sent message and lets the test inject
 * incoming ones. Optionally fails sends with an exception the test chooses.
 */
public final class TestCommunicationBackend implements CommunicationBackend {

	private final ReentrantLock lock = new ReentrantLock();

	private final List<OutgoingMessage> outgoing = new ArrayList<>();

	private final ReceiverFanout fanout = new ReceiverFanout();

	private volatile @Nullable Consumer<OutgoingMessage> onSend;

	/**
	 * Records {@code message}, after running the {@link #onSend} hook (which may throw to
	 * simulate a failure).
	 */
	@Override
	public void send(OutgoingMessage message) {
		Consumer<OutgoingMessage> hook = onSend;
		if (hook != null) {
			hook.accept(message);
		}
		lock.lock();
		try {
			outgoing.add(message);
		}
		finally {
			lock.unlock();
		}
	}

	@Override
	public BackendReceiver subscribe() {
		return fanout.subscribe();
	}

	/**
	 * Delivers {@code message} to every receiver, as if it had arrived from the
	 * transport.
	 */
	public void pushIncoming(IncomingMessage message) {
		fanout.publish(Objects.requireNonNull(message, "message"));
	}

	/** A copy of everything sent so far. */
	public List<OutgoingMessage> outgoing() {
		lock.lock();
		try {
			return List.copyOf(outgoing);
		}
		finally {
			lock.unlock();
		}
	}

	/** Everything sent so far, clearing the record. */
	public List<OutgoingMessage> drainOutgoing() {
		lock.lock();
		try {
			List<OutgoingMessage> copy = List.copyOf(outgoing);
			outgoing.clear();
			return copy;
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Runs {@code hook} on every send before recording; throw an {@link IpcException}
	 * from it to fail the send.
	 */
	public void onSend(@Nullable Consumer<OutgoingMessage> hook) {
		this.onSend = hook;
	}

	/** The number of open receivers (the client's loop holds one while running). */
	public int receiverCount() {
		return fanout.receiverCount();
	}

	@Override
	public void close() {
		fanout.close();
	}

}
