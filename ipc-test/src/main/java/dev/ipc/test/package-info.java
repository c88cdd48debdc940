/**
 * Test support for applications that use the IPC starter.
 *
 * <p>
 * Annotate a {@code @SpringBootTest} with
 * {@link dev.ipc.test.AutoConfigureIpcTest @AutoConfigureIpcTest}: the application's
 * client then runs on an in-memory bus of its own (one per test application context, so
 * cached contexts never see each other), and an {@link dev.ipc.test.IpcTestClient} bean
 * talks to it as another endpoint: it sends events, calls the application's RPC handlers,
 * answers the application's calls, and awaits what the application sends.
 */
@NullMarked
package dev.ipc.test;

import org.jspecify.annotations.NullMarked;
