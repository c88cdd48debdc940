package dev.ipc.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A small secret file sealed the way a {@link FileSessionRepository} seals its store, for
 * other durable secrets next to it (the Noise provider's static keys): the same header
 * line and cryptography (PBKDF2-HMAC-SHA256 store key from a configured secret, a fresh
 * HKDF file key per write, AES-256-GCM), the same atomic, durable, owner-only writes.
 * Internal to the framework; public only so that {@code dev.ipc.crypto.noise} can use it.
 *
 * <p>
 * Unlike the session store, a file that exists but cannot be opened is an error, never a
 * reason to start afresh: losing a static key silently would change the process's
 * identity. Needs spring-security-crypto on the class path.
 */
public final class SealedFile {

	private SealedFile() {
	}

	/**
	 * The plaintext of {@code file}, or empty if it does not exist.
	 * @throws IllegalStateException naming the file and the cause (never the secret) if
	 * it exists but cannot be read, has no valid header, or does not decrypt with
	 * {@code secret} (wrong secret, damaged or modified)
	 * @throws IllegalArgumentException if the secret is shorter than
	 * {@value FileSessionRepository#MIN_SECRET_LENGTH} characters
	 */
	public static Optional<byte[]> read(Path file, CharSequence secret) {
		checkSecret(secret);
		byte[] bytes;
		try {
			if (Files.size(file) > 1024 * 1024) {
				throw new IllegalStateException("Sealed file " + file + " is larger than 1 MiB; not reading it");
			}
			bytes = Files.readAllBytes(file);
		}
		catch (NoSuchFileException ex) {
			return Optional.empty();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read " + file + ": " + ex.getClass().getSimpleName(), ex);
		}
		StoreHeader header;
		try {
			header = StoreHeader.parse(bytes, FileSessionRepository.MIN_KDF_ITERATIONS,
					FileSessionRepository.MAX_KDF_ITERATIONS);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("Cannot open " + file + ": " + ex.getMessage());
		}
		char[] chars = StoreSecrets.toChars(secret);
		try {
			StoreCipher cipher = StoreCipher.derive(chars, header.salt(), header.iterations());
			byte[] encrypted = Arrays.copyOfRange(bytes, StoreHeader.length(bytes), bytes.length);
			return Optional.of(cipher.decrypt(header.fileNonce(), encrypted));
		}
		catch (IllegalStateException ex) {
			throw new IllegalStateException("Cannot decrypt " + file
					+ ": wrong secret, or the file was damaged or modified (restore the secret, or delete the file "
					+ "to start afresh)");
		}
		finally {
			Arrays.fill(chars, '\0');
		}
	}

	/**
	 * Seals {@code plaintext} into {@code file} (atomically; owner-only permissions;
	 * missing directories created owner-only) under a fresh salt.
	 * @throws IllegalStateException if the file cannot be written
	 */
	public static void write(Path file, CharSequence secret, int iterations, byte[] plaintext) {
		checkSecret(secret);
		if (iterations < FileSessionRepository.MIN_KDF_ITERATIONS
				|| iterations > FileSessionRepository.MAX_KDF_ITERATIONS) {
			throw new IllegalArgumentException("iterations must be " + FileSessionRepository.MIN_KDF_ITERATIONS + ".."
					+ FileSessionRepository.MAX_KDF_ITERATIONS + ", got " + iterations);
		}
		Path target = file.toAbsolutePath().normalize();
		byte[] salt = StoreSecrets.random(StoreCipher.SALT_BYTES);
		byte[] fileNonce = StoreSecrets.random(StoreCipher.FILE_NONCE_BYTES);
		char[] chars = StoreSecrets.toChars(secret);
		try {
			StoreCipher cipher = StoreCipher.derive(chars, salt, iterations);
			byte[] encrypted = cipher.encrypt(fileNonce, plaintext);
			AtomicFiles.replace(target, new StoreHeader(iterations, salt, fileNonce).toBytes(), encrypted);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot write " + target + ": " + ex, ex);
		}
		finally {
			Arrays.fill(chars, '\0');
		}
	}

	/**
	 * Replaces {@code file} with {@code content} (not encrypted) atomically and
	 * owner-only, for files that hold no secret but must not be torn (known peers).
	 * @throws IOException if it cannot be written
	 */
	public static void replacePlain(Path file, byte[] content) throws IOException {
		AtomicFiles.replace(file.toAbsolutePath().normalize(), content);
	}

	private static void checkSecret(CharSequence secret) {
		Objects.requireNonNull(secret, "secret");
		if (secret.length() < FileSessionRepository.MIN_SECRET_LENGTH || secret.toString().isBlank()) {
			throw new IllegalArgumentException(
					"The secret must be at least " + FileSessionRepository.MIN_SECRET_LENGTH + " characters");
		}
	}

}
