package dev.ipc.internal;

import org.jspecify.annotations.Nullable;

/**
 * Makes peer-controlled text safe to log (endpoint names, document ids, reject details,
 * decoder messages): every character that does not show as a visible glyph (controls,
 * line and paragraph separators, format and other invisible characters, any whitespace
 * but a plain space, unpaired surrogates) becomes a {@code \n}, {@code \r}, {@code \t} or
 * {@code \}{@code uXXXX} escape, a backslash is doubled, and the result is cut after
 * {@link #MAX_CHARS} characters. So a name with a newline cannot forge a log line, and a
 * long one cannot flood it. Never throws. Not API (see the package).
 */
public final class LogSafe {

	/** The most characters of one value that are logged. */
	public static final int MAX_CHARS = 200;

	private LogSafe() {
	}

	/** The escaped, truncated text of {@code value} ({@code String.valueOf} first). */
	public static String escape(@Nullable Object value) {
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

	/**
	 * A log argument whose {@code toString()} is {@link #escape(Object) escape(value)},
	 * so nothing is escaped for a line the logger's level discards.
	 */
	public static Object of(@Nullable Object value) {
		return new Object() {
			@Override
			public String toString() {
				return escape(value);
			}
		};
	}

	/**
	 * Whether a code point shows as a visible glyph: not a control, format, private-use,
	 * unassigned or surrogate code point, not a line or paragraph separator, not a space
	 * other than U+0020, and not default-ignorable.
	 */
	public static boolean visible(int cp) {
		if (cp == ' ') {
			return true;
		}
		switch (Character.getType(cp)) {
			case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE, Character.UNASSIGNED,
					Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR:
				return false;
			default:
				return !defaultIgnorable(cp);
		}
	}

	/**
	 * Default-ignorable code points (Unicode DerivedCoreProperties) that are not already
	 * Cf or Cc.
	 */
	private static boolean defaultIgnorable(int cp) {
		return cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5
				|| (cp >= 0x180B && cp <= 0x180F) || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFFA0
				|| (cp >= 0xE0000 && cp <= 0xE0FFF) || (cp >= 0x1D173 && cp <= 0x1D17A) || cp == 0x2800;
	}

	private static boolean printable(String s, int i, char c) {
		if (c >= 0x20 && c < 0x7F) {
			return true;
		}
		if (Character.isHighSurrogate(c)) {
			return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
					&& visible(Character.toCodePoint(c, s.charAt(i + 1)));
		}
		if (Character.isLowSurrogate(c)) {
			return i > 0 && Character.isHighSurrogate(s.charAt(i - 1))
					&& visible(Character.toCodePoint(s.charAt(i - 1), c));
		}
		return visible(c);
	}

}
