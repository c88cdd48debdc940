package dev.ipc.spring.boot.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * Range checks of {@code ipc.*} values, run while the properties bind, so that nonsense
 * (a zero thread count, a negative timeout) fails startup with the property and the fix
 * whether or not a Bean Validation provider is on the class path. The
 * {@code @Min}/{@code @Max} annotations on {@link IpcProperties} stay for IDEs and
 * metadata.
 *
 * @author IPC contributors
 */
final class PropertyChecks {

	private PropertyChecks() {
	}

	static void atLeast(String property, long value, long min) {
		if (value < min) {
			throw new IpcConfigurationException(property, "must be at least " + min + ", was " + value,
					"Set " + property + " to " + min + " or more, or remove it to use the default");
		}
	}

	static void atLeast(String property, @Nullable Integer value, long min) {
		if (value != null) {
			atLeast(property, value.longValue(), min);
		}
	}

	static void between(String property, long value, long min, long max) {
		if (value < min || value > max) {
			throw new IpcConfigurationException(property, "must be between " + min + " and " + max + ", was " + value,
					"Set " + property + " to a value from " + min + " to " + max);
		}
	}

	static void positive(String property, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new IpcConfigurationException(property, "must be a positive duration, was " + value,
					"Set " + property + " to a positive duration such as 5s, or remove it to use the default");
		}
	}

	static void notNegative(String property, Duration value) {
		if (value.isNegative()) {
			throw new IpcConfigurationException(property, "must not be negative, was " + value,
					"Set " + property + " to 0s or more, or remove it to use the default");
		}
	}

	static void positive(String property, DataSize value) {
		if (value.toBytes() <= 0) {
			throw new IpcConfigurationException(property, "must be a positive size, was " + value,
					"Set " + property + " to a positive size such as 1MB, or remove it to use the default");
		}
	}

	static void between(String property, DataSize value, long min, long max) {
		if (value.toBytes() < min || value.toBytes() > max) {
			throw new IpcConfigurationException(property,
					"must be between " + min + " and " + max + " bytes, was " + value.toBytes() + " bytes",
					"Set " + property + " to a size such as 16MB (at most 1GB), or remove it to use the default");
		}
	}

}
