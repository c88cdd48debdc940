package dev.ipc.spring.boot.autoconfigure;

import dev.ipc.client.IpcClientBuilder;

/**
 * Customizes the auto-configured {@link dev.ipc.client.IpcClient} before it is built.
 * Customizer beans are applied in {@link org.springframework.core.Ordered order}, after
 * the {@code ipc.*} properties, so they can override anything (for example
 * {@code builder.directDispatch(true)} or an extra event listener).
 *
 * @author IPC contributors
 * @since 0.1.0
 */
@FunctionalInterface
public interface IpcClientCustomizer {

	/**
	 * Customizes the builder.
	 * @param builder the builder, already configured from the properties
	 */
	void customize(IpcClientBuilder builder);

}
