package dev.ipc.spring.boot.autoconfigure;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.ipc.client.IpcClientState;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.ErrorKind;

/**
 * Remembers the last error the client reported (a failed send or handshake, a dropped
 * frame, a failed subscriber, a fatal stop), for the health indicator and the actuator
 * endpoint. Descriptions are built from bounded framework data: exception class names,
 * never exception messages from handlers, never payloads.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcErrorRecorder implements IpcEventListener {

	/**
	 * One recorded error.
	 *
	 * @param time when it happened
	 * @param description what happened
	 */
	public record LastError(Instant time, String description) {

	}

	private final Clock clock;

	private volatile @Nullable LastError lastError;

	/** Creates a recorder using the system clock. */
	public IpcErrorRecorder() {
		this(Clock.systemUTC());
	}

	IpcErrorRecorder(Clock clock) {
		this.clock = clock;
	}

	/** The last error, if any. */
	public Optional<LastError> getLastError() {
		return Optional.ofNullable(this.lastError);
	}

	private void record(String description) {
		this.lastError = new LastError(this.clock.instant(), description);
	}

	@Override
	public void sendFailed(@Nullable String topic, Endpoint destination, ErrorKind kind) {
		if (kind != ErrorKind.UNREACHABLE) {
			record("Send to " + destination + " failed (" + kind + ")");
		}
	}

	@Override
	public void messageDropped(DropReason reason, @Nullable Endpoint peer) {
		if (reason != DropReason.SOURCE_REJECTED) {
			record("Dropped an incoming frame: " + reason + ((peer != null) ? " from " + peer : ""));
		}
	}

	@Override
	public void subscriberFailed(@Nullable String subscriptionTopic, Throwable error) {
		record("Subscriber on topic " + subscriptionTopic + " failed: " + error.getClass().getName());
	}

	@Override
	public void handshakeFailed(Endpoint peer, String reason) {
		record("Handshake with " + peer + " failed: " + reason);
	}

	@Override
	public void stateChanged(IpcClientState state, @Nullable Throwable cause) {
		if (cause != null) {
			record("Client stopped by a fatal error: " + cause.getClass().getName() + ": " + cause.getMessage());
		}
	}

}
