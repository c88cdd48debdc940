package dev.ipc.transport.socket;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The OS user at the other end of a Unix domain socket ({@code SO_PEERCRED}) and the
 * admission rule for it. User principals compare by uid; names are what an allow-list
 * holds.
 */
final class PeerCredentials {

	private static volatile @Nullable UserPrincipal currentUser;

	private PeerCredentials() {
	}

	/**
	 * The user of the process at the other end of {@code channel}, or {@code null} if the
	 * channel cannot tell.
	 */
	static @Nullable UserPrincipal peerUser(SocketChannel channel) throws IOException {
		if (!channel.supportedOptions().contains(ExtendedSocketOptions.SO_PEERCRED)) {
			return null;
		}
		UnixDomainPrincipal principal = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
		return (principal != null) ? principal.user() : null;
	}

	/**
	 * The user this process runs as (its effective uid), read from the owner of a file it
	 * creates, so it compares equal to {@code SO_PEERCRED} principals even when the user
	 * has no name.
	 */
	static UserPrincipal currentUser() throws IOException {
		UserPrincipal user = currentUser;
		if (user == null) {
			try {
				Path probe = Files.createTempFile("ipc-uid-", ".tmp");
				try {
					user = Files.getOwner(probe);
				}
				finally {
					Files.deleteIfExists(probe);
				}
			}
			catch (IOException ex) {
				// no writable temp directory: fall back to the name the JVM reports
				user = FileSystems.getDefault()
					.getUserPrincipalLookupService()
					.lookupPrincipalByName(System.getProperty("user.name"));
			}
			currentUser = user;
		}
		return user;
	}

	/**
	 * Whether {@code user} may talk to us: with no allow-list only our own user, else
	 * exactly the listed names.
	 */
	static boolean allowed(UserPrincipal user, Set<String> allowedUsers) throws IOException {
		if (allowedUsers.isEmpty()) {
			UserPrincipal self = currentUser();
			return user.equals(self) || user.getName().equals(self.getName());
		}
		return allowedUsers.contains(user.getName());
	}

}
