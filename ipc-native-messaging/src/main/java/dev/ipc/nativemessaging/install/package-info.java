/**
 * Writing the native messaging host manifest that tells a browser which program to start
 * for a host name and which extensions may start it: the manifest format per browser,
 * where each browser looks on Linux, macOS and Windows, an installer (API and command)
 * and the launcher script ({@code docs/native-messaging.md}).
 */
@NullMarked
package dev.ipc.nativemessaging.install;

import org.jspecify.annotations.NullMarked;
