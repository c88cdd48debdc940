package dev.ipc.rpc.discover;

import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/**
 * Asks a peer who it is (spec §6). A unit request: its body is JSON {@code null} on the
 * wire, and the answer is a {@link DiscoverResponse} carrying the peer's version.
 */
@IpcPayload("DiscoverRequest")
public record DiscoverRequest() implements RpcRequest<DiscoverResponse> {
}
