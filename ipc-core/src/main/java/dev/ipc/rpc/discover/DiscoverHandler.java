package dev.ipc.rpc.discover;

import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcHandler;

/**
 * Answers every {@link DiscoverRequest} with a fixed {@link DiscoverResponse}, making a
 * client discoverable and pingable (spec §6). Register it with
 * {@code IpcClientBuilder.discoverable(version)} or
 * {@code client.registerRpcHandler(DiscoverRequest.class, new DiscoverHandler(version))}.
 */
public final class DiscoverHandler implements RpcHandler<DiscoverRequest, DiscoverResponse> {

	private final DiscoverResponse response;

	public DiscoverHandler(String version) {
		this.response = new DiscoverResponse(version);
	}

	@Override
	public DiscoverResponse handle(DiscoverRequest request, RpcContext context) {
		return response;
	}

}
