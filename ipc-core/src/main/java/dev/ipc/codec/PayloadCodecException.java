package dev.ipc.codec;

import org.jspecify.annotations.Nullable;

import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

/**
 * A payload could not be encoded to or decoded from JSON. The message describes the
 * structural problem (as serde's error text does), never the payload content. Kind
 * {@link ErrorKind#OTHER}.
 */
public class PayloadCodecException extends IpcException {

	public PayloadCodecException(String message, @Nullable Throwable cause) {
		super(ErrorKind.OTHER, message, cause);
	}

}
