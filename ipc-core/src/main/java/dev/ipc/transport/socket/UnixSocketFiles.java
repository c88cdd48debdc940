package dev.ipc.transport.socket;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * File-system side of a Unix socket host: the private directory ({@code 0700}), the
 * socket file ({@code 0600}), stale-file detection and the host lock.
 *
 * <p>
 * <b>Who may be the host.</b> A host holds an exclusive OS lock
 * ({@link FileChannel#tryLock()}) on {@code <socket>.lock} next to the socket for as long
 * as it serves. The OS releases the lock when the process dies, however it dies. So
 * whoever holds the lock is the only one allowed to delete and (re)create the socket
 * file: a socket file found while holding the lock was left by a crashed host (stale) and
 * is replaced, after a last check that nothing answers on it. A process that cannot get
 * the lock never touches the socket file, so a live host is never displaced and two
 * processes can never both believe they are the host. The lock file itself is left in
 * place on shutdown: deleting it would let two processes lock two different files of the
 * same name.
 */
final class UnixSocketFiles {

	static final Set<PosixFilePermission> DIRECTORY_PERMISSIONS = PosixFilePermissions.fromString("rwx------");

	static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-------");

	private UnixSocketFiles() {
	}

	/** The lock file of a socket path. */
	static Path lockFile(Path socket) {
		return socket.resolveSibling(socket.getFileName() + ".lock");
	}

	/**
	 * Creates the socket's directory with mode {@code 0700} if missing; an existing one
	 * must belong to this user and must not be writable by group or others (else anyone
	 * could replace the socket file).
	 */
	static void prepareDirectory(Path socket) throws IOException {
		Path dir = socket.getParent();
		if (dir == null) {
			throw new IOException("Unix socket path has no directory: " + socket);
		}
		if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
			Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY_PERMISSIONS));
			Files.setPosixFilePermissions(dir, DIRECTORY_PERMISSIONS);
			return;
		}
		if (!Files.isDirectory(dir)) {
			throw new IOException("Not a directory: " + dir);
		}
		if (!Files.getOwner(dir).equals(PeerCredentials.currentUser())) {
			throw new IOException("Socket directory " + dir + " belongs to " + Files.getOwner(dir).getName()
					+ ", not to this process's user; use a private directory");
		}
		Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
		if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
			throw new IOException("Socket directory " + dir + " is writable by group or others ("
					+ PosixFilePermissions.toString(perms) + "); use a private directory (0700)");
		}
	}

	/** Restricts the socket file to its owner ({@code 0600}). */
	static void restrictSocketFile(Path socket) throws IOException {
		Files.setPosixFilePermissions(socket, FILE_PERMISSIONS);
	}

	/** Whether a process accepts connections on {@code socket} right now. */
	static boolean answers(Path socket) {
		if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
			return false;
		}
		try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			probe.connect(UnixDomainSocketAddress.of(socket));
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Takes the host lock of {@code socket} without waiting.
	 * @return the held lock, or {@code null} if another process (or another transport in
	 * this JVM) holds it
	 */
	static @Nullable HostLock tryLock(Path socket) throws IOException {
		Path path = lockFile(socket);
		FileChannel channel;
		if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
			channel = FileChannel.open(path, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
		}
		else {
			try {
				channel = FileChannel.open(path, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
						PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS));
			}
			catch (java.nio.file.FileAlreadyExistsException ex) {
				channel = FileChannel.open(path, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
			}
		}
		try {
			FileLock lock = channel.tryLock();
			if (lock == null) {
				channel.close();
				return null;
			}
			return new HostLock(channel, lock);
		}
		catch (OverlappingFileLockException ex) {
			channel.close();
			return null;
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	/**
	 * The exclusive right to serve a socket path; released by {@link #close()} or by the
	 * process ending.
	 */
	static final class HostLock implements AutoCloseable {

		private final FileChannel channel;

		private final FileLock lock;

		HostLock(FileChannel channel, FileLock lock) {
			this.channel = channel;
			this.lock = lock;
		}

		@Override
		public void close() {
			try {
				lock.release();
			}
			catch (IOException ex) {
				// the channel close below releases it anyway
			}
			try {
				channel.close();
			}
			catch (IOException ex) {
				// nothing more to do
			}
		}

	}

}
