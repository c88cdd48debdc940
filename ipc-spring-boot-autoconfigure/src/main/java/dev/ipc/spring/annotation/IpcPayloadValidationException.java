package dev.ipc.spring.annotation;

import java.util.stream.Collectors;

import org.springframework.validation.Errors;
import org.springframework.validation.FieldError;

/**
 * A payload annotated with {@code @Valid} or {@code @Validated} failed validation.
 * Subscribers hand it to their {@link IpcErrorHandler}; RPC handlers answer the caller
 * with {@link #getSummary()} (field names and constraint messages, never the rejected
 * values).
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcPayloadValidationException extends RuntimeException {

	private final transient Errors errors;

	/**
	 * Creates a new instance.
	 * @param errors the validation errors
	 */
	public IpcPayloadValidationException(Errors errors) {
		super("Payload " + errors.getObjectName() + " is invalid: " + summarize(errors));
		this.errors = errors;
	}

	/**
	 * Creates a new instance.
	 * @param errors the validation errors
	 * @param cause the failure reporting them
	 */
	public IpcPayloadValidationException(Errors errors, Throwable cause) {
		super("Payload " + errors.getObjectName() + " is invalid: " + summarize(errors), cause);
		this.errors = errors;
	}

	/** The validation errors. */
	public Errors getErrors() {
		return this.errors;
	}

	/** Field names and constraint messages, without rejected values. */
	public String getSummary() {
		return summarize(this.errors);
	}

	private static String summarize(Errors errors) {
		return errors.getAllErrors().stream().map((error) -> {
			String message = (error.getDefaultMessage() != null) ? error.getDefaultMessage() : error.getCode();
			return (error instanceof FieldError field) ? field.getField() + " " + message : message;
		}).sorted().collect(Collectors.joining("; "));
	}

}
