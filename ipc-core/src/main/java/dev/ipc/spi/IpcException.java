package dev.ipc.spi;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Base of every exception the framework throws or completes a future with. Carries an
 * {@link ErrorKind} that decides what the client does with it (spec §2.3). Messages never
 * contain keys or payload bytes.
 */
public class IpcException extends RuntimeException {

	private final ErrorKind kind;

	public IpcException(ErrorKind kind, String message) {
		super(message);
		this.kind = Objects.requireNonNull(kind, "kind");
	}

	public IpcException(ErrorKind kind, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.kind = Objects.requireNonNull(kind, "kind");
	}

	/** How this error affects the client. */
	public ErrorKind kind() {
		return kind;
	}

}
