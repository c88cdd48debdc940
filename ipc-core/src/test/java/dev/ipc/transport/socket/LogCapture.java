package dev.ipc.transport.socket;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/** Captures the events of the socket transport's loggers (INFO and above) while open. */
final class LogCapture implements AutoCloseable {

	private final List<Logger> loggers = new ArrayList<>();

	private final List<Level> levels = new ArrayList<>();

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	LogCapture() {
		this(SocketTransport.class, TransportContext.class, InboundMessages.class, HostServer.class, HostAcceptor.class,
				HelloHandshake.class, HostRegistry.class, HostRouter.class, PeerLink.class, Connection.class);
	}

	LogCapture(Class<?>... types) {
		appender.start();
		for (Class<?> type : types) {
			Logger logger = (Logger) LoggerFactory.getLogger(type);
			loggers.add(logger);
			levels.add(logger.getLevel());
			logger.setLevel(Level.INFO);
			logger.addAppender(appender);
		}
	}

	/** Formatted messages of the captured events at {@code level}. */
	List<String> messages(Level level) {
		synchronized (appender) {
			return appender.list.stream()
				.filter(e -> e.getLevel() == level)
				.map(ILoggingEvent::getFormattedMessage)
				.collect(Collectors.toList());
		}
	}

	List<String> warnings() {
		return messages(Level.WARN);
	}

	/** Every captured message at INFO or above. */
	List<String> all() {
		synchronized (appender) {
			return appender.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
		}
	}

	@Override
	public void close() {
		for (int i = 0; i < loggers.size(); i++) {
			loggers.get(i).detachAppender(appender);
			loggers.get(i).setLevel(levels.get(i));
		}
		appender.stop();
	}

}
