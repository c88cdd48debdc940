package dev.ipc.client;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import dev.ipc.rpc.RpcContext;

/**
 * Request type name → handler. Lookups are lock-free and never wait for registrations or
 * running handlers (unlike the reference, whose registry read lock is held while handlers
 * run, spec §8 item 7).
 */
final class RpcHandlerRegistry {

	/** A handler with its request class erased. */
	@FunctionalInterface
	interface ErasedHandler {

		CompletionStage<?> handle(Object request, RpcContext context) throws Exception;

	}

	record Entry(String name, Class<?> requestClass, ErasedHandler handler) {
	}

	private final ConcurrentHashMap<String, Entry> handlers = new ConcurrentHashMap<>();

	private final DuplicateHandlerPolicy policy;

	RpcHandlerRegistry(DuplicateHandlerPolicy policy) {
		this.policy = policy;
	}

	Registration register(Entry entry) {
		if (policy == DuplicateHandlerPolicy.FAIL) {
			Entry existing = handlers.putIfAbsent(entry.name(), entry);
			if (existing != null) {
				throw new IllegalStateException("An RPC handler for request type '" + entry.name()
						+ "' is already registered (request class " + existing.requestClass().getName()
						+ "); unregister it first or use DuplicateHandlerPolicy.REPLACE");
			}
		}
		else {
			handlers.put(entry.name(), entry);
		}
		return () -> handlers.remove(entry.name(), entry);
	}

	@Nullable Entry find(String name) {
		return handlers.get(name);
	}

	Set<String> names() {
		return Collections.unmodifiableSet(new LinkedHashSet<>(handlers.keySet()));
	}

}
