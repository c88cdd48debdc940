/**
 * Spring Boot support for browser native messaging: {@code ipc.native-messaging.*}
 * properties, the manifest (and launcher) installed on startup, the
 * {@link dev.ipc.nativemessaging.spring.BrowserExtensionPeers} bean, a health indicator
 * and meters ({@code docs/native-messaging.md}).
 */
@NullMarked
package dev.ipc.nativemessaging.spring;

import org.jspecify.annotations.NullMarked;
