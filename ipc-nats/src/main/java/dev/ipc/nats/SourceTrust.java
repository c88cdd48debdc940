package dev.ipc.nats;

/**
 * Whether the NATS server's permissions make the source token of a subject trustworthy
 * (docs/nats.md §4).
 */
public enum SourceTrust {

	/**
	 * Nothing is known about the server's permissions: any user of the broker may publish
	 * under any endpoint's name, so a message's source is only as trustworthy as every
	 * user of the broker. Sources carry no user
	 * ({@link dev.ipc.model.Source.Named#user()} is {@code null}).
	 */
	UNVERIFIED,

	/**
	 * The operator declares that the server lets each endpoint's NATS user publish only
	 * on subjects ending with its own name (as {@link NatsPermissions} generates). The
	 * transport checks it when it connects: it publishes on a subject no endpoint may use
	 * and refuses to start unless the server reports a permissions violation. Sources
	 * then carry {@link NatsSources#BROKER_VOUCHED_USER} as their user.
	 */
	BROKER_ENFORCED

}
