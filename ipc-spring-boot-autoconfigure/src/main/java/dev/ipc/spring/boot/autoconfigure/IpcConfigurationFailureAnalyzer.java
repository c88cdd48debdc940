package dev.ipc.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link IpcConfigurationException} as a startup failure analysis (description
 * and action).
 *
 * @author IPC contributors
 */
class IpcConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<IpcConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, IpcConfigurationException cause) {
		return new FailureAnalysis(
				"Invalid IPC configuration, property '" + cause.getProperty() + "': " + cause.getDescription() + ".",
				cause.getAction() + ".", cause);
	}

}
