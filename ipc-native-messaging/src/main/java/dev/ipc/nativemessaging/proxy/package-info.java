/**
 * The native messaging proxy: the small program a browser starts as its native messaging
 * host, which relays the extension's messages into a running application over the socket
 * transport ({@code docs/native-messaging.md}).
 */
@NullMarked
package dev.ipc.nativemessaging.proxy;

import org.jspecify.annotations.NullMarked;
