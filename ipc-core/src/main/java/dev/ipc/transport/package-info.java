/**
 * Building blocks shared by the project's transports: the fan-out of incoming messages to
 * receivers ({@link dev.ipc.transport.ReceiverFanout}), the table of topic subscriptions
 * ({@link dev.ipc.transport.SubscriptionTable}) and the disconnect listeners
 * ({@link dev.ipc.transport.DisconnectListeners}). Not API. The transports themselves are
 * in the sub-packages.
 */
@NullMarked
package dev.ipc.transport;

import org.jspecify.annotations.NullMarked;
