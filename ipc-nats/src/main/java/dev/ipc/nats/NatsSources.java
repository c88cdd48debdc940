package dev.ipc.nats;

import dev.ipc.model.Source;

/**
 * How a handler tells whether the broker vouched for a message's source (docs/nats.md
 * §4). A {@link Source.Named} stamped by a {@link NatsTransport} whose
 * {@link SourceTrust} is {@link SourceTrust#BROKER_ENFORCED} carries
 * {@link #BROKER_VOUCHED_USER} as its {@linkplain Source.Named#user() user}; with
 * {@link SourceTrust#UNVERIFIED} the user is {@code null}. An OS user name never contains
 * {@code ':'}, so the value cannot be confused with a user the socket transport verified.
 * In Spring, {@code @IpcRpcHandler(users = NatsSources.BROKER_VOUCHED_USER)} accepts only
 * vouched sources.
 */
public final class NatsSources {

	/** The {@link Source.Named#user()} of a source the broker's permissions vouch for. */
	public static final String BROKER_VOUCHED_USER = "nats:broker-vouched";

	private NatsSources() {
	}

	/**
	 * Whether {@code source} came through a NATS transport whose server permissions vouch
	 * for its name.
	 */
	public static boolean isBrokerVouched(Source source) {
		return source instanceof Source.Named named && BROKER_VOUCHED_USER.equals(named.user());
	}

}
