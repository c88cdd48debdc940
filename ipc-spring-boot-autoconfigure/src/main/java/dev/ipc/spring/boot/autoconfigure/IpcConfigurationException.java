package dev.ipc.spring.boot.autoconfigure;

import java.util.Objects;

/**
 * The {@code ipc.*} configuration cannot work. Startup fails with a report naming the
 * property, what is wrong ({@link #getDescription()}) and what to change
 * ({@link #getAction()}); see {@link IpcConfigurationFailureAnalyzer}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcConfigurationException extends RuntimeException {

	private final String property;

	private final String description;

	private final String action;

	/**
	 * Creates a new instance.
	 * @param property the property at fault, for example {@code ipc.sessions.secret}
	 * @param description what is wrong
	 * @param action what to change
	 */
	public IpcConfigurationException(String property, String description, String action) {
		super("Invalid IPC configuration (" + property + "): " + description + ". Action: " + action);
		this.property = Objects.requireNonNull(property, "property");
		this.description = Objects.requireNonNull(description, "description");
		this.action = Objects.requireNonNull(action, "action");
	}

	/** The property at fault. */
	public String getProperty() {
		return this.property;
	}

	/** What is wrong. */
	public String getDescription() {
		return this.description;
	}

	/** What to change. */
	public String getAction() {
		return this.action;
	}

}
