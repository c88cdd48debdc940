package dev.ipc.crypto.noise;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Log hygiene for text a peer controls (endpoint names, document ids, decoder messages): {@link #of(Object)} escapes
 * control and line-separator characters lazily, so a peer cannot forge log lines; {@link Limiter} lets at most one
 * line per key and interval through, so a peer cannot flood the log (suppressed lines are counted and reported with
 * the next line that passes).
 */
final class LogSafe {

    private static final int MAX_LENGTH = 300;

    private final @Nullable Object value;

    private LogSafe(@Nullable Object value) {
        this.value = value;
    }

    /** A wrapper whose {@code toString()} is the escaped, truncated text of {@code value}. */
    static LogSafe of(@Nullable Object value) {
        return new LogSafe(value);
    }

    /** {@code text} with control, line-separator and format characters as {@code \\uXXXX}, at most 300 chars. */
    static String escape(@Nullable String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_LENGTH) + 16);
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= MAX_LENGTH) {
                out.append("...");
                break;
            }
            char c = text.charAt(i);
            int type = Character.getType(c);
            if (c < 0x20 || c == 0x7f || c == '\u0085' || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT
                    || type == Character.CONTROL) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return escape(String.valueOf(value));
    }

    /** At most one log line per key per interval (real time), counting the ones it suppresses. */
    static final class Limiter {
        private static final int MAX_KEYS = 64;

        private final long intervalNanos;
        private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

        Limiter(long intervalNanos) {
            this.intervalNanos = intervalNanos;
        }

        /** Logs a WARN for {@code key} unless one was logged within the interval; arguments should be escaped. */
        void warn(Logger log, String key, String format, Object... arguments) {
            long suppressed = acquire(key);
            if (suppressed < 0) {
                return;
            }
            log.warn(suppressed == 0 ? format : format + " (" + suppressed + " similar suppressed)", arguments);
        }

        /** Same as {@link #warn} at ERROR level. */
        void error(Logger log, String key, String format, Object... arguments) {
            long suppressed = acquire(key);
            if (suppressed < 0) {
                return;
            }
            log.error(suppressed == 0 ? format : format + " (" + suppressed + " similar suppressed)", arguments);
        }

        /** The number suppressed since the last line, or -1 if this one is suppressed. */
        private long acquire(String key) {
            Window window = windows.get(key);
            if (window == null) {
                if (windows.size() >= MAX_KEYS) {
                    windows.clear();
                }
                window = windows.computeIfAbsent(key, k -> new Window());
            }
            return window.acquire(System.nanoTime(), intervalNanos);
        }

        private static final class Window {
            private long lastNanos;
            private boolean used;
            private final AtomicLong suppressed = new AtomicLong();

            synchronized long acquire(long now, long intervalNanos) {
                if (used && now - lastNanos < intervalNanos) {
                    suppressed.incrementAndGet();
                    return -1;
                }
                used = true;
                lastNanos = now;
                return suppressed.getAndSet(0);
            }
        }
    }
}
