package dev.ipc.session;

import java.util.List;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/** Captures the events of one logback logger while open. */
final class CapturedLogs implements AutoCloseable {

	private final Logger logger;

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	CapturedLogs(Class<?> type) {
		this.logger = (Logger) LoggerFactory.getLogger(type);
		appender.start();
		logger.addAppender(appender);
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

	void clear() {
		synchronized (appender) {
			appender.list.clear();
		}
	}

	@Override
	public void close() {
		logger.detachAppender(appender);
		appender.stop();
	}

}
