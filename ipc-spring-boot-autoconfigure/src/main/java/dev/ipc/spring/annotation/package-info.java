/**
 * Annotated IPC handlers: {@link dev.ipc.spring.annotation.IpcSubscriber} and
 * {@link dev.ipc.spring.annotation.IpcRpcHandler} methods on Spring beans, found by
 * {@link dev.ipc.spring.annotation.IpcHandlerAnnotationBeanPostProcessor} and kept in the
 * {@link dev.ipc.spring.annotation.IpcSubscriberRegistry} and the
 * {@link dev.ipc.spring.annotation.IpcRpcHandlerRegistry}, invoked on spring-messaging's
 * handler-method infrastructure with the {@link dev.ipc.spring.annotation.IpcHeaders};
 * {@link dev.ipc.spring.annotation.IpcAdvice} beans decide what the callers of failed RPC
 * handlers learn.
 */
@NullMarked
package dev.ipc.spring.annotation;

import org.jspecify.annotations.NullMarked;
