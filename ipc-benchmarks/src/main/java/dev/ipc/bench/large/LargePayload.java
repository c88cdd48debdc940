package dev.ipc.bench.large;

import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

/**
 * The RPC of the large-message benchmark: a request carrying {@code data} (base64 in the
 * JSON envelope, as any binary field), answered with the same bytes.
 *
 * @param data the bytes to echo
 */
@IpcPayload("bench.large.Echo")
public record LargePayload(byte[] data) implements RpcRequest<LargePayload> {
}
