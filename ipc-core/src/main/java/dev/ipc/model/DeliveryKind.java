package dev.ipc.model;

/**
 * How a message reached its recipient: addressed to it by a {@code send}, or as one copy
 * of a {@code publish} to every process subscribed to its topic. Stamped by the receiving
 * transport, as the {@link Source} is; never chosen by the sender's payload.
 */
public enum DeliveryKind {

	/** Sent to this endpoint by name ({@code send}, RPC requests and responses). */
	ADDRESSED,

	/** One copy of a publication to every subscriber of the topic ({@code publish}). */
	PUBLISHED

}
