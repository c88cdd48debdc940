/**
 * Browser native messaging (Chrome, Chromium, Firefox) as an IPC
 * {@link dev.ipc.spi.CommunicationBackend}: the framing on stdio, the size limits, the
 * origin check, and Bitwarden's {@code bitwarden-ipc-message} wrapper. The protocol and
 * the security model are described in {@code docs/native-messaging.md}.
 */
@NullMarked
package dev.ipc.nativemessaging;

import org.jspecify.annotations.NullMarked;
