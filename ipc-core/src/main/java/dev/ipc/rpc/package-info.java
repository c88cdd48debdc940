/**
 * RPC requests ({@link dev.ipc.rpc.RpcRequest}), handlers, the handler's
 * {@link dev.ipc.rpc.RpcContext}, the wire {@link dev.ipc.rpc.RpcError} and the
 * exceptions a requester sees.
 */
@NullMarked
package dev.ipc.rpc;

import org.jspecify.annotations.NullMarked;
