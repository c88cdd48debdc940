package dev.ipc.transport.socket;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The host's connection slots ({@code docs/limits.md}): connections in their handshake
 * (oldest first) and registered ones, each counted against the host's cap and its user's
 * quota, and which connection gives up its slot when the pool is full. Plain bookkeeping:
 * the caller holds the registry's lock for every call.
 */
final class HostSlots {

	private final SocketTransportOptions options;

	/** Connections that have not registered yet, oldest first. */
	private final LinkedHashSet<Connection> pending = new LinkedHashSet<>();

	private final Set<Connection> registered = new HashSet<>();

	/** Per quota key: [pending, registered]. */
	private final HashMap<String, int[]> perUser = new HashMap<>();

	HostSlots(SocketTransportOptions options) {
		this.options = options;
	}

	int pendingCount() {
		return pending.size();
	}

	int registeredCount() {
		return registered.size();
	}

	/** How many slots of a kind (0 pending, 1 registered) {@code quotaKey} holds. */
	int heldBy(String quotaKey, int kind) {
		int[] mine = perUser.get(quotaKey);
		return (mine != null) ? mine[kind] : 0;
	}

	boolean pendingUserFull(String quotaKey) {
		return heldBy(quotaKey, 0) >= options.maxPendingPerUser();
	}

	boolean pendingPoolFull() {
		return pending.size() >= options.maxPendingConnections();
	}

	boolean registeredUserFull(String quotaKey) {
		return heldBy(quotaKey, 1) >= options.maxConnectionsPerUser();
	}

	boolean registeredPoolFull() {
		return registered.size() >= options.maxConnections();
	}

	/** A new connection takes a handshake slot. */
	void addPending(Connection connection, HostPeerState state) {
		pending.add(connection);
		perUser.computeIfAbsent(state.quotaKey, k -> new int[2])[0]++;
	}

	/** A pending connection registered: it moves to a registered slot. */
	void promote(Connection connection, HostPeerState state) {
		pending.remove(connection);
		registered.add(connection);
		int[] counts = perUser.computeIfAbsent(state.quotaKey, k -> new int[2]);
		counts[0]--;
		counts[1]++;
		state.slot = HostPeerState.Slot.REGISTERED;
	}

	/**
	 * The oldest pending connection of {@code quotaKey} (any user if null), or null. A
	 * full handshake pool gives the newcomer the slot of the connection that has waited
	 * longest for its {@code Hello} (as a SYN cache does): a live peer sends
	 * {@code Hello} right after connecting, so to keep it out an attacker would have to
	 * cycle the whole pool faster than that peer's {@code Hello} arrives, while refilled
	 * slots alone no longer help.
	 */
	@Nullable Connection oldestEvictablePending(@Nullable String quotaKey) {
		for (Connection c : pending) {
			HostPeerState s = HostPeerState.of(c);
			if (s != null && !s.rejected && (quotaKey == null || s.quotaKey.equals(quotaKey))) {
				return c;
			}
		}
		return null;
	}

	/**
	 * The quota key holding the most slots of a kind (0 pending, 1 registered), or null.
	 */
	@Nullable String busiestUser(int kind) {
		String busiest = null;
		int most = 0;
		for (Map.Entry<String, int[]> e : perUser.entrySet()) {
			if (e.getValue()[kind] > most) {
				most = e.getValue()[kind];
				busiest = e.getKey();
			}
		}
		return busiest;
	}

	/**
	 * The registered connection of {@code quotaKey} silent the longest, if silent long
	 * enough; else null.
	 */
	@Nullable Connection longestIdleRegistered(@Nullable String quotaKey) {
		long now = System.nanoTime();
		Connection idlest = null;
		long longest = options.idleEvictionAfter().toNanos() - 1;
		for (Connection c : registered) {
			HostPeerState s = HostPeerState.of(c);
			long idle = now - c.lastReadNanos();
			if (s != null && (quotaKey == null || s.quotaKey.equals(quotaKey)) && idle > longest) {
				longest = idle;
				idlest = c;
			}
		}
		return idlest;
	}

	/** Gives back a connection's slot (idempotent). */
	void release(Connection connection, @Nullable HostPeerState state) {
		if (state == null || state.slot == HostPeerState.Slot.RELEASED) {
			return;
		}
		int[] counts = perUser.get(state.quotaKey);
		if (state.slot == HostPeerState.Slot.PENDING) {
			pending.remove(connection);
			if (counts != null) {
				counts[0]--;
			}
		}
		else {
			registered.remove(connection);
			if (counts != null) {
				counts[1]--;
			}
		}
		if (counts != null && counts[0] <= 0 && counts[1] <= 0) {
			perUser.remove(state.quotaKey);
		}
		state.slot = HostPeerState.Slot.RELEASED;
	}

}
