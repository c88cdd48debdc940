package dev.ipc.transport.socket;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.event.DropReason;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;

/**
 * The host's side of the {@code Hello} handshake ({@code docs/transport-protocol.md}): a
 * new connection has {@link SocketTransportOptions#helloTimeout()} to send {@code Hello};
 * the host picks the highest protocol version both speak, checks the endpoint's name and
 * registers it ({@link HostRegistry}), or answers {@code Rejected} with one of the
 * protocol's reasons and closes once that is written. Runs on the loop; never blocks.
 */
final class HelloHandshake {

	private static final Logger log = LoggerFactory.getLogger(HelloHandshake.class);

	private final TransportContext context;

	private final SocketTransportOptions options;

	private final HostRegistry registry;

	HelloHandshake(TransportContext context, HostRegistry registry) {
		this.context = context;
		this.options = context.options();
		this.registry = registry;
	}

	/** Starts the clock of a connection just admitted. */
	void startTimer(Connection connection, HostPeerState state) {
		state.helloTimer = context.schedule(() -> timedOut(connection), options.helloTimeout().toNanos());
	}

	private void timedOut(Connection connection) {
		HostPeerState state = HostPeerState.of(connection);
		if (state != null && state.registration == null && !state.rejected && connection.isOpen()) {
			context.counters().helloTimeouts.incrementAndGet();
			context.counters().rejected(HostServer.REASON_HELLO_TIMEOUT);
			log.debug("Connection {} sent no Hello within {}; closing it", connection, options.helloTimeout());
			reject(connection, HostServer.REASON_HELLO_TIMEOUT,
					"no Hello within " + options.helloTimeout().toMillis() + " ms");
		}
	}

	/**
	 * A pending connection lost its slot to a newer one (the handshake pool was full):
	 * counted as a hello timeout and refused.
	 */
	void evicted(Connection evicted) {
		HostPeerState state = HostPeerState.of(evicted);
		context.counters().evictions.incrementAndGet();
		context.counters().helloTimeouts.incrementAndGet();
		context.counters().rejected(HostServer.REASON_HELLO_TIMEOUT);
		log.debug("Replacing {}, which has sent no Hello for {} ms, by a new connection", evicted,
				(state != null) ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - state.admittedNanos) : -1);
		reject(evicted, HostServer.REASON_HELLO_TIMEOUT,
				"replaced by a newer connection: no Hello yet and the host's handshake slots were full");
	}

	/** The connection's first frame is a {@code Hello}. */
	void onHello(Connection connection, HostPeerState state, Frame.Hello hello) {
		int version = chooseVersion(hello.versions());
		if (version < 0) {
			refuse(connection, HostServer.REASON_UNSUPPORTED_VERSION,
					"the host speaks versions " + FrameCodec.SUPPORTED_VERSIONS + ", the peer " + hello.versions());
			return;
		}
		Endpoint endpoint = hello.endpoint();
		String nameProblem = EndpointNames.problem(endpoint);
		if (nameProblem != null) {
			context.warnings()
				.warn(log, "invalid-endpoint", "Refused to register {}: {}", LogSafe.of(endpoint), nameProblem);
			refuse(connection, HostServer.REASON_INVALID_ENDPOINT, nameProblem);
			return;
		}
		HostRegistry.Registered result = registry.register(connection, state, endpoint, version);
		HostRegistry.Refusal refusal = result.refusal();
		if (refusal != null) {
			refuse(connection, refusal.reason(), refusal.detail());
			return;
		}
		if (result.registration() == null) {
			return; // closed meanwhile
		}
		Connection evicted = result.evicted();
		if (evicted != null) {
			Endpoint gone = HostPeerState.endpointOf(evicted);
			context.counters().evictions.incrementAndGet();
			context.warnings()
				.warn(log, "evicted",
						"Evicted {} ({}), silent for {} ms, to register {}: the host's connection slots were full",
						LogSafe.of(gone), evicted,
						TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - evicted.lastReadNanos()),
						LogSafe.of(endpoint));
			context.dropped(DropReason.TRANSPORT_OVERFLOW, gone);
			evicted.closeNow();
		}
		log.debug("Registered {} on {} (OS user {})", LogSafe.of(endpoint), connection, LogSafe.of(state.user));
		registry.closeStuck(result.stuck());
	}

	/** The connection broke the protocol before its {@code Hello} was accepted. */
	void protocolError(Connection connection, String detail) {
		refuse(connection, HostServer.REASON_PROTOCOL_ERROR, detail);
	}

	private void refuse(Connection connection, String reason, String detail) {
		context.counters().rejected(reason);
		reject(connection, reason, detail);
	}

	/**
	 * Sends {@code Rejected}, then closes once it is written (or after the close
	 * timeout).
	 */
	private void reject(Connection connection, String reason, String detail) {
		HostPeerState state = HostPeerState.of(connection);
		if (state != null) {
			state.rejected = true;
			state.cancelHelloTimer();
		}
		connection.offer(FrameCodec.encode(new Frame.Rejected(reason, detail)), true);
		connection.closeGracefully();
		context.schedule(connection::closeNow, options.closeTimeout().toNanos());
	}

	private static int chooseVersion(List<Integer> offered) {
		int best = -1;
		for (int v : offered) {
			if (FrameCodec.SUPPORTED_VERSIONS.contains(v) && v > best) {
				best = v;
			}
		}
		return best;
	}

}
