package dev.ipc.spring.annotation;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.ipc.model.IncomingMessage;

/**
 * The default {@link IpcErrorHandler}: logs the failure at error level with the
 * subscriber, its method, the topic and the sender, never the payload.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class LoggingIpcErrorHandler implements IpcErrorHandler {

	private static final Log logger = LogFactory.getLog(LoggingIpcErrorHandler.class);

	@Override
	public void handleError(IncomingMessage message, IpcHandlerExecutionException exception) {
		logger.error("IPC subscriber '" + exception.getHandlerId() + "' ("
				+ IpcHandlerEndpoint.describe(exception.getMethod()) + ") failed on topic " + exception.getTopic()
				+ " handling a message from " + message.source(), exception.getCause());
	}

}
