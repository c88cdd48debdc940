package dev.ipc.transport.socket;

import org.jspecify.annotations.Nullable;

/**
 * Makes peer-controlled text safe to log: every character that is not printable (controls, line and paragraph
 * separators, format and invisible characters, any whitespace but a plain space, unpaired surrogates) becomes a
 * {@code \n}, {@code \t} or {@code \}{@code uXXXX} escape, a backslash is doubled, and the result is cut after
 * {@link #MAX_CHARS} characters. So a name with a newline cannot forge a log line, and a long one cannot flood it.
 * The transport passes every value a peer chose (names, endpoints, reject details, decoder messages) through
 * {@link #of(Object)} before logging it.
 */
final class LogSafe {

	/** The most characters of one value that are logged. */
	static final int MAX_CHARS = 200;

	private LogSafe() {
	}

	/** A loggable form of {@code value} ({@code String.valueOf} first), escaped and truncated. */
	static String of(@Nullable Object value) {
		String raw = String.valueOf(value);
		StringBuilder sb = null;
		int limit = Math.min(raw.length(), MAX_CHARS);
		for (int i = 0; i < limit; i++) {
			char c = raw.charAt(i);
			if (c == '\\' || !printable(raw, i, c)) {
				if (sb == null) {
					sb = new StringBuilder(limit + 16).append(raw, 0, i);
				}
				switch (c) {
					case '\\' -> sb.append("\\\\");
					case '\n' -> sb.append("\\n");
					case '\r' -> sb.append("\\r");
					case '\t' -> sb.append("\\t");
					default -> sb.append(String.format("\\u%04x", (int) c));
				}
			}
			else if (sb != null) {
				sb.append(c);
			}
		}
		String out = (sb != null) ? sb.toString() : raw.substring(0, limit);
		return (raw.length() > limit) ? out + "...(" + (raw.length() - limit) + " more chars)" : out;
	}

	private static boolean printable(String s, int i, char c) {
		if (c >= 0x20 && c < 0x7F) {
			return true;
		}
		if (Character.isHighSurrogate(c)) {
			return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
					&& EndpointNames.visible(Character.toCodePoint(c, s.charAt(i + 1)));
		}
		if (Character.isLowSurrogate(c)) {
			return i > 0 && Character.isHighSurrogate(s.charAt(i - 1))
					&& EndpointNames.visible(Character.toCodePoint(s.charAt(i - 1), c));
		}
		return EndpointNames.visible(c);
	}

}
