package dev.ipc.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.ipc.spring.annotation.IpcHandlerDefinitionException;

/**
 * Reports an {@link IpcHandlerDefinitionException} (an annotated handler that cannot
 * work: a duplicate RPC handler, a bad signature, a payload type that cannot travel as
 * JSON, ...) as a startup failure analysis, naming the method and what to change, instead
 * of a stack trace.
 *
 * @author IPC contributors
 */
class IpcHandlerDefinitionFailureAnalyzer extends AbstractFailureAnalyzer<IpcHandlerDefinitionException> {

	static final String DEFAULT_ACTION = "Change the handler method named above as described. The parameters, "
			+ "return types and attributes annotated handlers accept are listed on @IpcSubscriber and @IpcRpcHandler "
			+ "(and in docs/spring-boot.md, 'Annotated handlers').";

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, IpcHandlerDefinitionException cause) {
		String action = cause.getAction();
		return new FailureAnalysis("An annotated IPC handler cannot work: " + sentence(cause.getDescription()),
				(action != null) ? sentence(action) : DEFAULT_ACTION, cause);
	}

	private static String sentence(String text) {
		return text.endsWith(".") ? text : text + ".";
	}

}
