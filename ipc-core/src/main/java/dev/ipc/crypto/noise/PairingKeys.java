package dev.ipc.crypto.noise;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

import dev.ipc.session.SealedFile;

/**
 * The 32-byte pre-shared keys two processes pair with ({@code NNpsk2}): generate one,
 * show it as a pairing code, parse what a person typed or configured, keep it in an
 * owner-only file.
 *
 * <p>
 * A pairing code is the key in lowercase hex, in eight groups of eight separated by
 * {@code -}. {@link #parse} accepts that, plain hex (64 digits) or standard base64 (44
 * characters), ignoring whitespace. Failures are {@link IllegalArgumentException}s that
 * never echo the input (it is a secret).
 */
public final class PairingKeys {

	private static final SecureRandom RANDOM = new SecureRandom();

	private static final Set<PosixFilePermission> OWNER_ONLY = Set.of(PosixFilePermission.OWNER_READ,
			PosixFilePermission.OWNER_WRITE);

	private PairingKeys() {
	}

	/** A fresh random key. */
	public static byte[] generate() {
		byte[] key = new byte[NoiseHandshake.PSK_LENGTH];
		RANDOM.nextBytes(key);
		return key;
	}

	/** The pairing code of {@code key} (to show a person once; it is a secret). */
	public static String toCode(byte[] key) {
		if (key.length != NoiseHandshake.PSK_LENGTH) {
			throw new IllegalArgumentException("a pairing key is " + NoiseHandshake.PSK_LENGTH + " bytes");
		}
		String hex = HexFormat.of().formatHex(key);
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < hex.length(); i += 8) {
			if (i > 0) {
				out.append('-');
			}
			out.append(hex, i, i + 8);
		}
		return out.toString();
	}

	/**
	 * The key in a pairing code, hex or base64 text.
	 * @throws IllegalArgumentException if it is none of those or not 32 bytes
	 */
	public static byte[] parse(CharSequence text) {
		String compact = text.toString().replaceAll("\\s", "");
		String hex = compact.replace("-", "");
		if (hex.length() == 2 * NoiseHandshake.PSK_LENGTH && hex.matches("[0-9a-fA-F]+")) {
			return HexFormat.of().parseHex(hex);
		}
		try {
			byte[] key = Base64.getDecoder().decode(compact);
			if (key.length == NoiseHandshake.PSK_LENGTH) {
				return key;
			}
		}
		catch (IllegalArgumentException ex) {
			// reported below without the input
		}
		throw new IllegalArgumentException("A pairing key must be 32 bytes as a pairing code, 64 hex digits or base64");
	}

	/**
	 * The key in {@code file}, which must be readable by its owner only where the file
	 * system has POSIX permissions.
	 * @throws IllegalArgumentException if the file is readable by others or does not hold
	 * a key
	 * @throws IllegalStateException if it cannot be read
	 */
	public static byte[] readFile(Path file) {
		try {
			if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
				Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
				if (!OWNER_ONLY.containsAll(permissions)) {
					throw new IllegalArgumentException(
							"The pairing key file " + file + " must be readable by its owner only (chmod 600), it is "
									+ java.nio.file.attribute.PosixFilePermissions.toString(permissions));
				}
			}
			byte[] content = Files.readAllBytes(file);
			try {
				return parse(new String(content, StandardCharsets.US_ASCII));
			}
			finally {
				Arrays.fill(content, (byte) 0);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read the pairing key file " + file + ": " + ex, ex);
		}
	}

	/**
	 * Writes {@code key} as a pairing code to {@code file}, atomically and owner-only.
	 * @throws IllegalStateException if it cannot be written
	 */
	public static void writeFile(Path file, byte[] key) {
		try {
			SealedFile.replacePlain(file, (toCode(key) + "\n").getBytes(StandardCharsets.US_ASCII));
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot write the pairing key file " + file + ": " + ex, ex);
		}
	}

}
