package dev.ipc.session;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The plain-text first line of a session store file (nothing in it is secret):
 *
 * <pre>IPC-SESSION-STORE 1 PBKDF2WithHmacSHA256 &lt;iterations&gt; &lt;salt hex&gt; &lt;file nonce hex&gt;\n</pre>
 *
 * The salt (32 bytes) is chosen when a store is created and kept for its life; the file
 * nonce (32 bytes) is new on every write. Neither is authenticated directly, but both
 * enter the derivation of the file key, so a changed value makes decryption fail.
 */
record StoreHeader(int iterations, byte[] salt, byte[] fileNonce) {

	static final String MAGIC = "IPC-SESSION-STORE";

	static final String VERSION = "1";

	/** Longest header line accepted, including its newline. */
	static final int MAX_LENGTH = 256;

	private static final HexFormat HEX = HexFormat.of();

	/** The header line, with its newline, as ASCII bytes. */
	byte[] toBytes() {
		String line = MAGIC + ' ' + VERSION + ' ' + StoreCipher.KDF_NAME + ' ' + iterations + ' ' + HEX.formatHex(salt)
				+ ' ' + HEX.formatHex(fileNonce) + '\n';
		return line.getBytes(StandardCharsets.US_ASCII);
	}

	/**
	 * Parses the header at the start of {@code file}.
	 * @return the header; {@link #length(byte[])} tells where the ciphertext starts
	 * @throws IllegalArgumentException naming what is wrong, if the file does not start
	 * with a valid header
	 */
	static StoreHeader parse(byte[] file, int minIterations, int maxIterations) {
		int end = lineEnd(file);
		String[] parts = new String(file, 0, end, StandardCharsets.US_ASCII).split(" ", -1);
		if (parts.length == 0 || !MAGIC.equals(parts[0])) {
			throw new IllegalArgumentException("not a session store file (no " + MAGIC + " header)");
		}
		if (parts.length < 2 || !VERSION.equals(parts[1])) {
			throw new IllegalArgumentException("unsupported store format version "
					+ (parts.length < 2 ? "(none)" : "'" + sanitize(parts[1]) + "'"));
		}
		if (parts.length != 6) {
			throw new IllegalArgumentException("malformed header: expected 6 fields, found " + parts.length);
		}
		if (!StoreCipher.KDF_NAME.equals(parts[2])) {
			throw new IllegalArgumentException("unsupported key derivation '" + sanitize(parts[2]) + "'");
		}
		int iterations;
		try {
			iterations = Integer.parseInt(parts[3]);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("malformed iteration count in header");
		}
		if (iterations < minIterations || iterations > maxIterations) {
			throw new IllegalArgumentException(
					"iteration count " + iterations + " outside " + minIterations + ".." + maxIterations);
		}
		return new StoreHeader(iterations, hex(parts[4], StoreCipher.SALT_BYTES, "salt"),
				hex(parts[5], StoreCipher.FILE_NONCE_BYTES, "file nonce"));
	}

	/**
	 * The length of the header line at the start of {@code file}, including its newline.
	 */
	static int length(byte[] file) {
		return lineEnd(file) + 1;
	}

	private static int lineEnd(byte[] file) {
		int limit = Math.min(file.length, MAX_LENGTH);
		for (int i = 0; i < limit; i++) {
			if (file[i] == '\n') {
				return i;
			}
		}
		throw new IllegalArgumentException(
				file.length < MAX_LENGTH ? "truncated header" : "not a session store file (no header line)");
	}

	private static byte[] hex(String text, int bytes, String what) {
		if (text.length() != bytes * 2) {
			throw new IllegalArgumentException("malformed " + what + " in header");
		}
		try {
			return HEX.parseHex(text);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("malformed " + what + " in header");
		}
	}

	/**
	 * Header text is untrusted: keep what goes into a log message short and printable.
	 */
	private static String sanitize(String text) {
		String shortened = text.length() > 32 ? text.substring(0, 32) + "..." : text;
		return shortened.replaceAll("[^\\x20-\\x7e]", "?");
	}

}
