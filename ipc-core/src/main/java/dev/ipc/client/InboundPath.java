package dev.ipc.client;

import dev.ipc.model.IncomingMessage;
import dev.ipc.spi.InboundSink;
import dev.ipc.spi.ReceiveMarker;

/**
 * The client's inbound path for a push-capable receiver, one straight line on the
 * delivering thread: the backend delivers, the crypto provider
 * {@linkplain dev.ipc.spi.CryptoProvider#process processes} the frame, the application
 * message is dispatched (to the handler executor, or inline with direct dispatch); a
 * departure marker is handled in the same order. Bound to one run of the client (its
 * generation); after a stop it ignores what still arrives.
 */
final class InboundPath implements InboundSink {

	private final DefaultIpcClient client;

	private final int generation;

	InboundPath(DefaultIpcClient client, int generation) {
		this.client = client;
		this.generation = generation;
	}

	@Override
	public void message(IncomingMessage message) {
		client.processPushed(message, generation);
	}

	@Override
	public void marker(ReceiveMarker marker) {
		if (marker instanceof PeerDeparture departure) {
			client.departedInStream(departure, generation);
		}
	}

	@Override
	public void lagged(long lost) {
		client.laggedInStream(lost, generation);
	}

}
