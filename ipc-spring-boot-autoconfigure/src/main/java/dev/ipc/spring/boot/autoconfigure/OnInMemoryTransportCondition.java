package dev.ipc.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.ipc.spring.boot.autoconfigure.IpcProperties.TransportType;

/**
 * Matches when {@code ipc.transport.type} binds to {@link TransportType#IN_MEMORY} (any
 * relaxed spelling: {@code in-memory}, {@code IN_MEMORY}).
 *
 * @author IPC contributors
 */
class OnInMemoryTransportCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		TransportType type = Binder.get(context.getEnvironment())
			.bind("ipc.transport.type", TransportType.class)
			.orElse(TransportType.UNIX);
		return (type == TransportType.IN_MEMORY) ? ConditionOutcome.match("ipc.transport.type is in-memory")
				: ConditionOutcome.noMatch("ipc.transport.type is " + type);
	}

}
