/**
 * Annotated IPC handlers: {@link dev.ipc.spring.annotation.IpcSubscriber} and
 * {@link dev.ipc.spring.annotation.IpcRpcHandler} methods on Spring beans, found by
 * {@link dev.ipc.spring.annotation.IpcHandlerAnnotationBeanPostProcessor} and kept in the
 * {@link dev.ipc.spring.annotation.IpcSubscriberRegistry} and the
 * {@link dev.ipc.spring.annotation.IpcRpcHandlerRegistry}.
 */
@NullMarked
package dev.ipc.spring.annotation;

import org.jspecify.annotations.NullMarked;
