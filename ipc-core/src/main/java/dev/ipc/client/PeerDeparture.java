package dev.ipc.client;

import dev.ipc.model.Endpoint;
import dev.ipc.spi.ReceiveMarker;

/**
 * The marker a client puts into its own receiver when the transport says a peer left, so
 * that its receive loop handles the departure after every message the peer sent before
 * leaving (see {@link Departures}).
 */
final class PeerDeparture extends ReceiveMarker {

	private static final long serialVersionUID = 1L;

	final transient Endpoint peer;

	/**
	 * The client's departure count for this notice: requests sent before it carry a lower
	 * one.
	 */
	final long seq;

	PeerDeparture(Endpoint peer, long seq) {
		super("peer departed");
		this.peer = peer;
		this.seq = seq;
	}

}
