package dev.ipc.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a file atomically and durably: write a temporary file in the same directory
 * (owner-only permissions where the file system is POSIX), {@code fsync} it, rename it
 * over the target, {@code fsync} the directory.
 */
final class AtomicFiles {

	private static final Logger log = LoggerFactory.getLogger(AtomicFiles.class);

	private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

	private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");

	private static final String TEMP_SUFFIX = ".tmp";

	private static final AtomicBoolean warnedNonAtomic = new AtomicBoolean();

	private AtomicFiles() {
	}

	/** Writes {@code parts} one after another as the new content of {@code target}. */
	static void replace(Path target, byte[]... parts) throws IOException {
		Path dir = target.getParent();
		createDirectoryIfMissing(dir);
		boolean posix = isPosix(dir);
		Path temp = posix
				? Files.createTempFile(dir, tempPrefix(target), TEMP_SUFFIX,
						PosixFilePermissions.asFileAttribute(OWNER_FILE))
				: Files.createTempFile(dir, tempPrefix(target), TEMP_SUFFIX);
		boolean moved = false;
		try {
			try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
				for (byte[] part : parts) {
					ByteBuffer buffer = ByteBuffer.wrap(part);
					while (buffer.hasRemaining()) {
						channel.write(buffer);
					}
				}
				channel.force(true);
			}
			move(temp, target);
			moved = true;
			fsyncDirectory(dir);
		}
		finally {
			if (!moved) {
				try {
					Files.deleteIfExists(temp);
				}
				catch (IOException ex) {
					log.debug("Could not delete temporary file {}: {}", temp, ex.toString());
				}
			}
		}
	}

	/**
	 * Deletes temporary files a crashed writer of {@code target} may have left behind;
	 * best effort.
	 */
	static void deleteStaleTempFiles(Path target) {
		Path dir = target.getParent();
		if (!Files.isDirectory(dir)) {
			return;
		}
		String prefix = tempPrefix(target);
		try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, p -> {
			String name = p.getFileName().toString();
			return name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX);
		})) {
			for (Path path : stale) {
				Files.deleteIfExists(path);
				log.debug("Deleted stale temporary file {}", path);
			}
		}
		catch (IOException | RuntimeException ex) {
			log.debug("Could not clean up temporary files of {}: {}", target, ex.toString());
		}
	}

	/**
	 * The prefix of our temporary files for {@code target}: hidden, and named after it.
	 */
	static String tempPrefix(Path target) {
		return "." + target.getFileName() + ".";
	}

	private static void createDirectoryIfMissing(Path dir) throws IOException {
		if (Files.isDirectory(dir)) {
			return;
		}
		Path existing = dir;
		while (existing != null && Files.notExists(existing)) {
			existing = existing.getParent();
		}
		if (existing != null && isPosix(existing)) {
			FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY);
			Files.createDirectories(dir, ownerOnly);
		}
		else {
			Files.createDirectories(dir);
		}
	}

	private static boolean isPosix(Path path) {
		return path.getFileSystem().supportedFileAttributeViews().contains("posix");
	}

	private static void move(Path temp, Path target) throws IOException {
		try {
			Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException ex) {
			// A torn file after a crash is read as "no sessions" (re-handshake), never as
			// stale nonces.
			if (warnedNonAtomic.compareAndSet(false, true)) {
				log.warn("The file system of {} cannot rename atomically; replacing the session store non-atomically",
						target);
			}
			Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/**
	 * Makes the rename durable. Opening a directory fails on some platforms (Windows),
	 * where this is skipped; a failing {@code fsync} of an opened directory is a real I/O
	 * error and propagates, because after a crash the old file (with old nonces) could
	 * reappear.
	 */
	private static void fsyncDirectory(Path dir) throws IOException {
		FileChannel channel;
		try {
			channel = FileChannel.open(dir, StandardOpenOption.READ);
		}
		catch (IOException | UnsupportedOperationException ex) {
			log.trace("Directory fsync not supported for {}: {}", dir, ex.toString());
			return;
		}
		try (channel) {
			channel.force(true);
		}
	}

}
