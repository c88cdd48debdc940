/**
 * The spring-messaging infrastructure annotated IPC handlers are invoked on: the
 * {@link dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory} and its
 * argument resolvers for {@link dev.ipc.model.Source},
 * {@link dev.ipc.model.IncomingMessage}, {@link dev.ipc.rpc.RpcContext},
 * {@link dev.ipc.spring.annotation.IpcTopic} and the payload.
 */
@NullMarked
package dev.ipc.spring.annotation.support;

import org.jspecify.annotations.NullMarked;
