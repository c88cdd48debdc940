package dev.ipc.transport.socket;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;

/**
 * What the host knows of one accepted connection (its {@link Connection#attachment}): the
 * verified OS user, whose quota it counts against, which slot it holds and, once its
 * {@code Hello} was accepted, its {@link HostServer.Registration}.
 */
final class HostPeerState {

	/** Where a connection's slot is counted (guarded by the registry's lock). */
	enum Slot {

		PENDING, REGISTERED, RELEASED

	}

	final @Nullable String user;

	/**
	 * Whose quota the connection counts against: {@code uid:<name>} (Unix) or
	 * {@code ip:<address>} (TCP).
	 */
	final String quotaKey;

	final long admittedNanos = System.nanoTime();

	volatile HostServer.@Nullable Registration registration;

	volatile IoLoop.@Nullable Timer helloTimer;

	volatile boolean rejected;

	/** Guarded by the registry's lock. */
	Slot slot = Slot.PENDING;

	HostPeerState(@Nullable String user, String quotaKey) {
		this.user = user;
		this.quotaKey = quotaKey;
	}

	/** The state the host attached to {@code connection}, or null. */
	static @Nullable HostPeerState of(Connection connection) {
		return (HostPeerState) connection.attachment;
	}

	/** The registered endpoint of {@code connection}, or null. */
	static @Nullable Endpoint endpointOf(Connection connection) {
		HostPeerState state = of(connection);
		HostServer.Registration registration = (state != null) ? state.registration : null;
		return (registration != null) ? registration.endpoint() : null;
	}

	/** Stops the timer that closes a connection without {@code Hello}. */
	void cancelHelloTimer() {
		IoLoop.Timer timer = helloTimer;
		if (timer != null) {
			timer.cancel();
		}
	}

}
