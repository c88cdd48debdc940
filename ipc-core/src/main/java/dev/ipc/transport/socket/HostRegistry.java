package dev.ipc.transport.socket;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * Who is connected to the host: every open connection, the registered ones by endpoint
 * and by compact-frame id, their slots ({@link HostSlots}), and the presence every peer
 * is told ({@code Welcome} with the others and their {@code Bind}s, then
 * {@code PeerJoined} and {@code PeerLeft}, and the subscription table for version-3
 * peers). One lock orders registrations, departures and closing, so each peer sees every
 * change after its first view exactly once. Sending only queues on the connections; a
 * connection so far behind that not even a presence update fits is closed
 * ({@link #closeStuck}) and reconnects afresh.
 */
final class HostRegistry {

	private static final Logger log = LoggerFactory.getLogger(HostRegistry.class);

	/** Why a connection cannot have a slot, for the caller to refuse it. */
	record Refusal(String reason, String detail) {
	}

	/**
	 * The result of {@link #admit}: refused (or the host closed), and whom it evicted.
	 */
	record Admission(@Nullable Refusal refusal, boolean hostClosed, @Nullable Connection evicted) {
	}

	/**
	 * The result of {@link #register}: the registration or a refusal, whom it evicted,
	 * and the connections too far behind to hear of it (for {@link #closeStuck}).
	 */
	record Registered(HostServer.@Nullable Registration registration, @Nullable Refusal refusal,
			@Nullable Connection evicted, List<Connection> stuck) {
	}

	private final TransportContext context;

	private final SocketTransportOptions options;

	private final Endpoint self;

	private final byte[] selfSourceBytes;

	private final HostSubscriptions subscriptions;

	private final ReentrantLock lock = new ReentrantLock();

	/** Guarded by {@link #lock}. */
	private final HostSlots slots;

	private final ConcurrentHashMap<Endpoint, Connection> peers = new ConcurrentHashMap<>();

	/** Registered connections by their compact-frame id. */
	private final ConcurrentHashMap<Integer, Connection> byId = new ConcurrentHashMap<>();

	/**
	 * The next compact-frame id (guarded by {@link #lock}); ids are not reused while the
	 * host runs.
	 */
	private int nextId = HostServer.HOST_ID + 1;

	private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

	private volatile boolean closed;

	HostRegistry(TransportContext context, Endpoint self, byte[] selfSourceBytes) {
		this.context = context;
		this.options = context.options();
		this.self = self;
		this.selfSourceBytes = selfSourceBytes;
		this.slots = new HostSlots(options);
		this.subscriptions = new HostSubscriptions(self, this::closeStuck);
	}

	HostSubscriptions subscriptions() {
		return subscriptions;
	}

	Set<Endpoint> reachable() {
		Set<Endpoint> all = new HashSet<>(peers.keySet());
		all.add(self);
		return Set.copyOf(all);
	}

	int peerCount() {
		return peers.size();
	}

	@Nullable Connection connectionOf(Endpoint endpoint) {
		return peers.get(endpoint);
	}

	@Nullable Connection connectionOf(int id) {
		return byId.get(id);
	}

	boolean isClosed() {
		return closed;
	}

	/** Counts of the slots in use, for tests: [pending, registered]. */
	int[] slotsInUse() {
		lock.lock();
		try {
			return new int[] { slots.pendingCount(), slots.registeredCount() };
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * A new connection takes a handshake slot; when the pool (or its user's quota) is
	 * full it takes the slot of the oldest connection still without {@code Hello}, which
	 * the caller then refuses, or is refused itself if there is none.
	 */
	Admission admit(Connection connection, HostPeerState state) {
		lock.lock();
		try {
			if (closed) {
				return new Admission(null, true, null);
			}
			boolean userFull = slots.pendingUserFull(state.quotaKey);
			Connection evicted = null;
			if (userFull || slots.pendingPoolFull()) {
				evicted = slots.oldestEvictablePending(userFull ? state.quotaKey : slots.busiestUser(0));
				if (evicted == null) {
					context.warnings()
						.warn(log, "pending-cap",
								"Refused a connection: {} connections are in their handshake ({} of "
										+ "this user), all already refused",
								slots.pendingCount(), slots.heldBy(state.quotaKey, 0));
					return new Admission(new Refusal(HostServer.REASON_TOO_MANY_CONNECTIONS,
							userFull ? "this user holds its maximum of " + options.maxPendingPerUser()
									+ " connections in their handshake"
									: "the host holds its maximum of " + options.maxPendingConnections()
											+ " connections in their handshake"),
							false, null);
				}
				// the newcomer takes the evicted connection's slot at once
				slots.release(evicted, HostPeerState.of(evicted));
			}
			slots.addPending(connection, state);
			connections.add(connection);
			return new Admission(null, false, evicted);
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Registers a pending connection as {@code endpoint} with protocol {@code version}:
	 * it gets its {@code Welcome} (and, for version 2 and later, the {@code Bind}s; for
	 * version 3 the subscription table), and every other peer hears that it joined. A
	 * full pool (or quota) evicts the registered connection silent the longest, if any is
	 * silent long enough, for the caller to close; else the newcomer is refused.
	 * @return nothing registered and no refusal when the connection closed meanwhile or
	 * the host is closing
	 */
	Registered register(Connection connection, HostPeerState state, Endpoint endpoint, int version) {
		List<Connection> stuck = new ArrayList<>();
		Connection evicted = null;
		HostServer.Registration registration;
		lock.lock();
		try {
			if (closed || !connection.isOpen() || state.slot != HostPeerState.Slot.PENDING) {
				return new Registered(null, null, null, List.of());
			}
			if (endpoint.equals(self) || peers.containsKey(endpoint)) {
				context.warnings().warn(log, "in-use", "Refused a second connection claiming {}", LogSafe.of(endpoint));
				return new Registered(null,
						new Refusal(HostServer.REASON_ENDPOINT_IN_USE, endpoint + " is already connected"), null,
						List.of());
			}
			boolean userFull = slots.registeredUserFull(state.quotaKey);
			if (userFull || slots.registeredPoolFull()) {
				evicted = slots.longestIdleRegistered(userFull ? state.quotaKey : slots.busiestUser(1));
				if (evicted == null) {
					context.warnings()
						.warn(log, "cap",
								"Refused to register {}: {} peers are registered ({} of this user), none idle for {}",
								LogSafe.of(endpoint), slots.registeredCount(), slots.heldBy(state.quotaKey, 1),
								options.idleEvictionAfter());
					return new Registered(null,
							new Refusal(HostServer.REASON_TOO_MANY_CONNECTIONS, userFull
									? "this user holds its maximum of " + options.maxConnectionsPerUser()
											+ " connections"
									: "the host holds its maximum of " + options.maxConnections() + " connections"),
							null, List.of());
				}
				// the newcomer takes the evicted connection's slot at once; its departure
				// is announced when it closes
				slots.release(evicted, HostPeerState.of(evicted));
			}
			slots.promote(connection, state);
			Source source = HostServer.sourceFor(endpoint, state.user);
			registration = new HostServer.Registration(endpoint, source, FrameCodec.sourceBytes(source), nextId,
					version);
			nextId = (nextId == Integer.MAX_VALUE) ? HostServer.HOST_ID + 1 : nextId + 1;
			state.registration = registration;
			state.cancelHelloTimer();
			List<Connection> others = new ArrayList<>(peers.values());
			List<Endpoint> otherEndpoints = new ArrayList<>(peers.keySet());
			peers.put(endpoint, connection);
			byId.put(registration.id(), connection);
			welcome(connection, registration, otherEndpoints, others);
			if (registration.pubsub()) {
				stuck.addAll(subscriptions.joined(endpoint, connection));
			}
			announceJoined(registration, others, stuck);
		}
		finally {
			lock.unlock();
		}
		return new Registered(registration, null, evicted, stuck);
	}

	/** Under the lock: the newcomer's first view. */
	private void welcome(Connection connection, HostServer.Registration registration, List<Endpoint> otherEndpoints,
			List<Connection> others) {
		connection.offer(FrameCodec.encode(new Frame.Welcome(registration.version(), self, otherEndpoints)), true);
		if (registration.compact()) {
			connection.offer(FrameCodec.bind(HostServer.HOST_ID, selfSourceBytes), true);
			// its own id too: a peer may address itself
			connection.offer(FrameCodec.bind(registration.id(), registration.sourceBytes()), true);
			for (Connection other : others) {
				HostServer.Registration r = HostServer.registrationOf(other);
				if (r != null) {
					connection.offer(FrameCodec.bind(r.id(), r.sourceBytes()), true);
				}
			}
		}
	}

	/** Under the lock: the others hear of the newcomer. */
	private static void announceJoined(HostServer.Registration registration, List<Connection> others,
			List<Connection> stuck) {
		byte[] joined = FrameCodec.encode(new Frame.PeerJoined(registration.endpoint()));
		byte[] bind = FrameCodec.bind(registration.id(), registration.sourceBytes());
		for (Connection other : others) {
			HostServer.Registration r = HostServer.registrationOf(other);
			boolean full = r != null && r.compact() && other.offer(bind, true) == Connection.Offer.FULL;
			if (full || other.offer(joined, true) == Connection.Offer.FULL) {
				stuck.add(other);
			}
		}
	}

	/**
	 * A connection closed: out of the registry, its subscriptions end and, unless the
	 * host is closing, the others hear it left. Read under the lock: {@link #register}
	 * either completed before (and is undone here) or runs after and sees the connection
	 * closed.
	 * @param stuck gets the connections too far behind to hear of it (for
	 * {@link #closeStuck})
	 * @return its registration if it was the registered connection of its endpoint
	 */
	HostServer.@Nullable Registration remove(Connection connection, HostPeerState state, List<Connection> stuck) {
		connections.remove(connection);
		HostServer.Registration registration;
		boolean removed = false;
		lock.lock();
		try {
			registration = state.registration;
			if (registration != null) {
				removed = peers.remove(registration.endpoint(), connection);
				byId.remove(registration.id(), connection);
			}
			if (removed) {
				subscriptions.left(registration.endpoint(), connection);
			}
			if (removed && !closed) {
				byte[] left = FrameCodec.encode(new Frame.PeerLeft(registration.endpoint()));
				for (Connection other : peers.values()) {
					if (other.offer(left, true) == Connection.Offer.FULL) {
						stuck.add(other);
					}
				}
			}
		}
		finally {
			lock.unlock();
		}
		return removed ? registration : null;
	}

	/** No frame of {@code connection} is handled any more: its slot is free. */
	void release(Connection connection) {
		lock.lock();
		try {
			slots.release(connection, HostPeerState.of(connection));
		}
		finally {
			lock.unlock();
		}
	}

	/** No more admissions or registrations. @return the connections open now */
	List<Connection> close() {
		lock.lock();
		try {
			closed = true;
		}
		finally {
			lock.unlock();
		}
		return new ArrayList<>(connections);
	}

	/**
	 * Connections so far behind that not even a presence update fits are closed; they
	 * reconnect afresh.
	 */
	void closeStuck(List<Connection> stuck) {
		for (Connection connection : stuck) {
			context.counters().overflowDrops.incrementAndGet();
			context.dropped(DropReason.TRANSPORT_OVERFLOW, HostPeerState.endpointOf(connection));
			context.warnings()
				.warn(log, "stuck", "Closing {}: its outbound queue is full even for presence updates", connection);
			connection.closeNow();
		}
	}

}
